// @ts-check
import { api } from './api.js';
import { language, setLanguage, signInRefusal, t } from './i18n.js';

/** An element of login.html, by id. */
const byId = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const valueOf = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (byId(id)).value;

function label() {
  document.documentElement.lang = language();
  for (const element of document.querySelectorAll('[data-label]'))
    element.textContent = t(/** @type {string} */ (/** @type {HTMLElement} */ (element).dataset.label));
  byId('language').textContent = language() === 'vi' ? 'English' : 'Tiếng Việt';
}

byId('language').addEventListener('click', () => {
  setLanguage(language() === 'vi' ? 'en' : 'vi');
  label();
});

/** @param {SubmitEvent} event */
async function signIn(event) {
  event.preventDefault();
  const error = byId('login-error');
  error.textContent = '';
  try {
    await api.login(valueOf('username'), valueOf('password'));
    location.href = '/';
  } catch (failure) {
    error.textContent = signInRefusal(failure);
  }
}

byId('login-form').addEventListener('submit', (event) => void signIn(event));

label();
