// @ts-check
import { api, session } from './api.js';
import { h } from './dom.js';
import { language, setLanguage, t } from './i18n.js';
import { renderCase } from './case-page.js';
import { renderCitizen } from './citizen-page.js';
import { renderQueue } from './queue-page.js';
import { setShortcuts } from './keys.js';

/** @type {{ user: import('./api.js').User | null }} */
const state = { user: null };

function header() {
  const user = /** @type {import('./api.js').User} */ (state.user); // signed in before the first route
  const toggle = h(
    'button',
    {
      className: 'link',
      id: 'language',
      onclick: () => {
        setLanguage(language() === 'vi' ? 'en' : 'vi');
        void route();
      },
    },
    t('otherLanguage'),
  );
  const logout = h(
    'button',
    {
      className: 'link',
      id: 'logout',
      onclick: async () => {
        await api.logout();
        location.href = '/ui/login.html';
      },
    },
    t('signOut'),
  );
  return h(
    'header',
    {},
    h('a', { href: '#/', className: 'brand' }, t('app')),
    h('span', { className: 'spacer' }),
    h('span', { className: 'user', id: 'user' }, `${user.username} (${t(`role_${user.role}`)})`),
    toggle,
    logout,
  );
}

async function route() {
  const root = /** @type {HTMLElement} */ (document.getElementById('app'));
  const [, page, id] = location.hash.replace(/^#/, '').split('/');
  setShortcuts(null);
  const main = h('main', { id: 'page' });
  root.replaceChildren(header(), main, h('footer', {}, t('shortcuts')));
  try {
    if (page === 'case' && id) await renderCase(main, Number(id), /** @type {import('./api.js').User} */ (state.user));
    else if (page === 'citizen' && id) await renderCitizen(main, decodeURIComponent(id));
    else await renderQueue(main);
  } catch (error) {
    main.replaceChildren(h('p', { className: 'error', role: 'alert' }, /** @type {Error} */ (error).message));
  }
}

async function start() {
  document.documentElement.lang = language();
  state.user = await session();
  window.addEventListener('hashchange', () => void route());
  await route();
}

void start();
