// @ts-check
import { api, ApiError, session } from './api.js';
import { h } from './dom.js';
import { errorText, language, setLanguage, t } from './i18n.js';
import { renderCase } from './case-page.js';
import { renderCitizen } from './citizen-page.js';
import { renderQueue } from './queue-page.js';
import { setShortcuts } from './keys.js';
import { renderAccount } from './account-page.js';
import { renderAssignment } from './assignment-page.js';
import { renderBatches } from './batches-page.js';
import { watchCase } from './case-watch.js';
import { stopWatching } from './live.js';
import { renderSearch } from './search-page.js';
import { renderSettings, renderShadowRun } from './settings-page.js';

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
    h(
      'nav',
      {},
      h('a', { href: '#/', id: 'nav-queue' }, t('queue')),
      h('a', { href: '#/search', id: 'nav-search' }, t('search')),
      h('a', { href: '#/batches', id: 'nav-batches' }, t('batchesTitle')),
      h('a', { href: '#/assignment', id: 'nav-assignment' }, t('assignmentTitle')),
      user.role === 'supervisor' || user.role === 'admin' ? h('a', { href: '#/settings', id: 'nav-settings' }, t('settingsTitle')) : null,
      h('a', { href: '#/account', id: 'nav-account' }, t('changePassword')),
    ),
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
  stopWatching();
  const main = h('main', { id: 'page' });
  root.replaceChildren(header(), main, h('footer', {}, t('shortcuts')));
  try {
    const user = /** @type {import('./api.js').User} */ (state.user);
    if (page === 'case' && id) {
      await renderCase(main, Number(id), user);
      watchCase(main, Number(id), user, () => void route());
    } else if (page === 'citizen' && id) await renderCitizen(main, decodeURIComponent(id));
    else if (page === 'search') await renderSearch(main);
    else if (page === 'batches') await renderBatches(main);
    else if (page === 'assignment') await renderAssignment(main, user);
    else if (page === 'account') await renderAccount(main);
    else if (page === 'settings' && id) await renderShadowRun(main, Number(id));
    else if (page === 'settings') await renderSettings(main);
    else await renderQueue(main, user);
  } catch (error) {
    // A refusal of the API in the steward's language by its code (a 503 says what to do), never the server's English message.
    main.replaceChildren(h('p', { className: 'error', role: 'alert' }, error instanceof ApiError ? errorText(error) : /** @type {Error} */ (error).message));
  }
}

async function start() {
  document.documentElement.lang = language();
  state.user = await session();
  window.addEventListener('hashchange', () => void route());
  await route();
}

void start();
