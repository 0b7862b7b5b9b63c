// @ts-check
// What another steward does shows up without reloading: the open page polls the state of the
// cases it shows (GET /api/case-states: versions, claims, assignments; no personal data, so the
// polls are not audited). Polling rather than server-sent events: every poll is an ordinary
// authenticated request (a session that ends stops it), it needs no long-lived connection per tab
// through proxies and the browser's six-per-host limit, and a few stewards polling a primary-key
// lookup every few seconds cost the database nothing. A hidden tab does not poll.
import { api } from './api.js';

/** How often an open page asks for the state of its cases. */
export const POLL_MS = 3000;

/** @type {ReturnType<typeof setInterval> | null} */
let timer = null;

/** Stops the current page's polling (the app calls it on every change of page). */
export function stopWatching() {
  if (timer !== null) clearInterval(timer);
  timer = null;
}

/**
 * Polls the states of `caseIds` while the page is shown and hands them to `onStates`.
 * @param {number[]} caseIds
 * @param {(states: import('./api.js').CaseState[]) => void} onStates
 */
export function watchCases(caseIds, onStates) {
  stopWatching();
  if (caseIds.length === 0) return;
  const ids = caseIds.slice(0, 200);
  timer = setInterval(() => {
    if (document.visibilityState !== 'visible') return;
    api
      .caseStates(ids)
      .then(({ cases }) => onStates(cases))
      .catch(() => undefined);
  }, POLL_MS);
}
