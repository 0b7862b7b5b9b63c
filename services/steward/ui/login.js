import { api, ApiError } from './api.js';
import { language, setLanguage, t } from './i18n.js';

function label() {
  document.documentElement.lang = language();
  for (const element of document.querySelectorAll('[data-label]')) element.textContent = t(element.dataset.label);
  document.getElementById('language').textContent = language() === 'vi' ? 'English' : 'Tiếng Việt';
}

document.getElementById('language').addEventListener('click', () => {
  setLanguage(language() === 'vi' ? 'en' : 'vi');
  label();
});

document.getElementById('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const error = document.getElementById('login-error');
  error.textContent = '';
  try {
    await api.login(document.getElementById('username').value, document.getElementById('password').value);
    location.href = '/';
  } catch (failure) {
    error.textContent = failure instanceof ApiError && failure.status === 429 ? t('tooMany') : t('badCredentials');
  }
});

label();
