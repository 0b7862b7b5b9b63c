// @ts-check
import { h, percent } from './dom.js';
import { levelSentence, t, valueLabel } from './i18n.js';

/** @typedef {import('./api.js').CaseCandidate} CaseCandidate */
/** @typedef {import('./api.js').ComparisonExplanation} ComparisonExplanation */

/**
 * The comparison of a field when the case was sent for review and now, when its level is not
 * the same any more (a value filled in or corrected since): what the case page marks as changed.
 * @param {Pick<CaseCandidate, 'explanation' | 'now'>} person
 * @param {string} comparison
 * @returns {{ then: ComparisonExplanation, now: ComparisonExplanation } | null}
 */
export function changedSince(person, comparison) {
  const then = person.explanation?.comparisons.find((c) => c.comparison === comparison);
  const now = person.now?.explanation.comparisons.find((c) => c.comparison === comparison);
  return then && now && then.level !== now.level ? { then, now } : null;
}

/** @param {number} weight */
const signed = (weight) => `${weight >= 0 ? '+' : ''}${weight.toFixed(2)}`;

/** @param {ComparisonExplanation | undefined} c */
function moment(c) {
  return c ? [h('code', {}, signed(c.weight)), ' ', levelSentence(c)] : '—';
}

/**
 * The selected candidate's explanation at both moments, side by side: when the linker sent the
 * record to review (stored with the case) and now (the same record scored against the candidate
 * as the register holds it today), each comparison's sentence and weight, a changed one marked in
 * words; then the match probability at both moments.
 * @param {CaseCandidate} person
 */
export function momentsTable(person) {
  const then = person.explanation;
  const now = person.now?.explanation ?? null;
  const names = (then ?? now)?.comparisons.map((c) => c.comparison) ?? [];
  const nowCell = (/** @type {import('./dom.js').Child | import('./dom.js').Child[]} */ content) =>
    h('td', { className: 'now' }, person.now ? content : t('notRescored'));
  return h(
    'table',
    { className: 'moments', id: 'moments' },
    h('thead', {}, h('tr', {}, h('th', {}, t('field')), h('th', {}, t('atReview')), h('th', {}, t('now')))),
    h(
      'tbody',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'row' }, t('prior')),
        h('td', {}, then ? h('code', {}, signed(then.prior)) : '—'),
        nowCell(now ? h('code', {}, signed(now.prior)) : '—'),
      ),
      names.map((name) => {
        const changed = changedSince(person, name);
        return h(
          'tr',
          { className: changed ? 'changed' : '', 'data-comparison': name },
          h('th', { scope: 'row' }, valueLabel('comparisons', name), changed ? h('div', { className: 'since' }, t('changedSince')) : null),
          h('td', {}, moment(then?.comparisons.find((c) => c.comparison === name))),
          nowCell(moment(now?.comparisons.find((c) => c.comparison === name))),
        );
      }),
      h(
        'tr',
        { className: 'total', 'data-comparison': 'probability' },
        h('th', { scope: 'row' }, t('probability')),
        h('td', {}, percent(person.score)),
        nowCell(person.now ? percent(person.now.score) : '—'),
      ),
    ),
  );
}
