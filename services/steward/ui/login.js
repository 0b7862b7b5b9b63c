// @ts-check
import { api, ApiError } from './api.js';
import { errorText, language, setLanguage, t } from './i18n.js';

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

/**
 * Why the sign-in failed: wrong credentials or too many attempts in the page's own words; a
 * server that cannot answer (a 503 of a misconfigured or unreachable database) by its code, never
 * as wrong credentials, or the steward would try their password again for nothing.
 * @param {unknown} failure
 */
function signInRefusal(failure) {
  if (!(failure instanceof ApiError) || failure.status === 401) return t('badCredentials');
  if (failure.status === 429) return t('tooMany');
  return errorText(failure);
}

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
