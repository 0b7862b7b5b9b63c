// @ts-check
// An open case page learns, without reloading, that another steward claimed or changed its case:
// a banner says so and offers to reload. The server refuses an action from the stale page anyway
// (STALE_CASE); the banner tells the steward before they try.
import { actedOn, shownVersion } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { watchCases } from './live.js';

/**
 * @param {HTMLElement} main
 * @param {number} caseId
 * @param {import('./api.js').User} user
 * @param {() => void} reload
 */
export function watchCase(main, caseId, user, reload) {
  watchCases([caseId], ([state]) => {
    const shown = shownVersion(caseId);
    const banner = document.getElementById('stale-banner');
    const ownDoing = actedOn(caseId) || (state?.status === 'DECIDED' && state.decided_by === user.username);
    if (!state || shown === undefined || state.version === shown || ownDoing) {
      banner?.remove();
      return;
    }
    const byOther = state.status === 'CLAIMED' && state.claimed_by && state.claimed_by !== user.username;
    const next = h(
      'p',
      { className: 'stale', id: 'stale-banner', role: 'alert' },
      byOther ? `${t('claimedMeanwhile')}: ${state.claimed_by}. ` : `${t('caseChanged')} `,
      h('button', { id: 'reload-case', onclick: reload }, t('reload')),
    );
    if (banner) banner.replaceWith(next);
    else main.prepend(next);
  });
}
