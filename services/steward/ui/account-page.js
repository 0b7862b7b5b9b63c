// @ts-check
// A steward changes their own password (POST /api/password): their other sessions end, this one stays.
import { api } from './api.js';
import { h } from './dom.js';
import { errorText, t } from './i18n.js';

/** @param {HTMLElement} main */
export async function renderAccount(main) {
  /** @param {string} id */
  const field = (id) => h('input', { id, type: 'password', autocomplete: id === 'current-password' ? 'current-password' : 'new-password', maxlength: 256 });
  const current = field('current-password');
  const next = field('new-password');
  const repeat = field('repeat-password');
  const status = h('p', { id: 'password-status', role: 'status' });
  const form = h(
    'form',
    {
      id: 'password-form',
      className: 'account',
      onsubmit: async (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        if (next.value !== repeat.value) {
          status.textContent = t('passwordsDiffer');
          return;
        }
        try {
          await api.changePassword(current.value, next.value);
          for (const input of [current, next, repeat]) input.value = '';
          status.textContent = t('passwordChanged');
        } catch (error) {
          status.textContent = errorText(error);
        }
      },
    },
    h('label', {}, t('currentPassword'), current),
    h('label', {}, t('newPassword'), next),
    h('label', {}, t('repeatPassword'), repeat),
    h('p', { className: 'sub' }, t('passwordRules')),
    h('button', { type: 'submit', id: 'change-password' }, t('changePassword')),
  );
  main.replaceChildren(h('h1', {}, t('changePassword')), form, status);
}
