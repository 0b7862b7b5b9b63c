// @ts-check
import { api } from './api.js';
import { setShortcuts } from './keys.js';
import { ageText, h, percent } from './dom.js';
import { reasonLabel, t, valueLabel } from './i18n.js';

const FILTER_KEY = 'dancu.queueFilter';

/** @returns {import('./api.js').CaseFilter} */
function savedFilter() {
  try {
    return { status: 'open', .../** @type {import('./api.js').CaseFilter} */ (JSON.parse(sessionStorage.getItem(FILTER_KEY) ?? '{}')) };
  } catch {
    return { status: 'open' };
  }
}

/**
 * @param {string} name
 * @param {string | undefined} value
 * @param {string[][]} options [value, label] pairs
 */
function select(name, value, options) {
  return h(
    'select',
    { name, id: `filter-${name}` },
    options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)),
  );
}

/** The queue: counts and filters above, most urgent and oldest cases first; no personal data on this page. */
/** @param {HTMLElement} main */
export async function renderQueue(main) {
  const filter = savedFilter();
  const data = await api.cases({ ...filter, limit: 200 });
  const reasons = Object.keys(data.counts.reason).sort();
  const sources = Object.keys(data.counts.source).sort();
  const form = h(
    'form',
    {
      className: 'filters',
      onsubmit: (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        const values = Object.fromEntries(new FormData(/** @type {HTMLFormElement} */ (event.target)).entries());
        sessionStorage.setItem(FILTER_KEY, JSON.stringify(values));
        void renderQueue(main);
      },
    },
    h(
      'label',
      {},
      t('status'),
      select('status', filter.status, [
        ['open', t('open')],
        ['claimed', t('claimed')],
        ['decided', t('decided')],
        ['all', t('all')],
      ]),
    ),
    h(
      'label',
      {},
      t('source'),
      select('source', filter.source ?? '', [['', t('all')], ...sources.map((s) => [s, `${valueLabel('sources', s)} (${data.counts.source[s]})`])]),
    ),
    h(
      'label',
      {},
      t('reason'),
      select('reason', filter.reason ?? '', [['', t('all')], ...reasons.map((r) => [r, `${reasonLabel(r)} (${data.counts.reason[r]})`])]),
    ),
    h('label', {}, t('minScore'), h('input', { name: 'minScore', type: 'number', min: 0, max: 1, step: 0.05, value: filter.minScore ?? '' })),
    h('label', {}, t('maxScore'), h('input', { name: 'maxScore', type: 'number', min: 0, max: 1, step: 0.05, value: filter.maxScore ?? '' })),
    h('label', {}, t('olderThan'), h('input', { name: 'olderThanHours', type: 'number', min: 0, step: 1, value: filter.olderThanHours ?? '' })),
    h('button', { type: 'submit' }, t('apply')),
  );
  const chips = h(
    'p',
    { className: 'counts', id: 'counts' },
    `${data.total} ${t('total')} · `,
    Object.entries(data.counts.status).map(([status, n]) => h('span', { className: `chip status-${status}` }, `${t(status.toLowerCase())}: ${n}`)),
  );
  const rows = data.cases.map((c) =>
    h(
      'tr',
      { 'data-case': c.case_id, tabindex: 0, onclick: () => (location.hash = `#/case/${c.case_id}`) },
      h('td', { className: `priority p${c.priority}` }, c.priority),
      h('td', {}, h('a', { href: `#/case/${c.case_id}` }, `#${c.case_id}`)),
      h('td', {}, reasonLabel(c.reason)),
      h('td', {}, valueLabel('sources', c.source)),
      h('td', { className: 'num' }, percent(c.score)),
      h('td', { className: 'num' }, c.candidates),
      h('td', { className: 'num' }, ageText(c.age_seconds)),
      h('td', {}, c.status === 'DECIDED' ? `${t('decided')}: ${valueLabel('actions', c.resolution)}` : (c.claimed_by ?? '')),
    ),
  );
  const table =
    data.cases.length === 0
      ? h('p', { id: 'empty' }, t('noCases'))
      : h(
          'table',
          { className: 'queue', id: 'queue' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              [t('priority'), t('case'), t('reason'), t('source'), t('score'), t('candidates'), t('age'), t('claimedBy')].map((label) => h('th', {}, label)),
            ),
          ),
          h('tbody', {}, rows),
        );
  main.replaceChildren(h('h1', {}, t('title')), form, chips, table);

  let selected = 0;
  const mark = () => rows.forEach((row, i) => row.classList.toggle('selected', i === selected));
  mark();
  setShortcuts((key) => {
    if (key === 'j' || key === 'arrowdown') selected = Math.min(rows.length - 1, selected + 1);
    else if (key === 'k' || key === 'arrowup') selected = Math.max(0, selected - 1);
    else if (key === 'enter' && rows[selected]) location.hash = `#/case/${rows[selected]?.dataset.case}`;
    else return false;
    mark();
    return true;
  });
}
