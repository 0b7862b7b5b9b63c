// @ts-check
import { api, rememberVersions } from './api.js';
import { bulkPanel } from './bulk-panel.js';
import { setShortcuts } from './keys.js';
import { ageText, h, headRow, percent } from './dom.js';
import { reasonLabel, resolutionLabel, t, valueLabel } from './i18n.js';
import { watchCases } from './live.js';

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

/**
 * A filter of the values the open cases hold, each with how many hold it.
 * @param {'source' | 'reason' | 'province' | 'facility'} name
 * @param {string | undefined} value
 * @param {Record<string, number>} counts
 * @param {(value: string) => string} label
 */
function counted(name, value, counts, label) {
  return h(
    'label',
    {},
    t(name),
    select(name, value ?? '', [
      ['', t('all')],
      // The value filtered on stays offered when no open case holds it any more (all decided).
      ...[...new Set([...Object.keys(counts), ...(value ? [value] : [])])].sort().map((v) => [v, `${label(v)} (${counts[v] ?? 0})`]),
    ]),
  );
}

/**
 * Who a line is assigned to: a steward, else the team a supervisor or a rule routed it to.
 * @param {import('./api.js').QueueLine} line
 */
function assignedText(line) {
  return line.assigned_to ?? (line.team ? `${t('team')} ${line.team}` : '');
}

/**
 * Who holds a line, or how it was decided.
 * @param {{ status: string, claimed_by: string | null }} line
 * @param {string | null} resolution
 */
function claimText(line, resolution) {
  return line.status === 'DECIDED' ? `${t('decided')}: ${resolutionLabel(resolution)}` : (line.claimed_by ?? '');
}

/** The queue: counts and filters above, most urgent and oldest cases first; no personal data on this page. */
/**
 * @param {HTMLElement} main
 * @param {import('./api.js').User} user
 */
export async function renderQueue(main, user) {
  const filter = savedFilter();
  const data = await api.cases({ ...filter, limit: 200 });
  rememberVersions(data.cases);
  const mayDecide = user.role !== 'viewer';
  /** @type {Set<number>} */
  const chosen = new Set();
  const form = h(
    'form',
    {
      className: 'filters',
      onsubmit: (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        const values = Object.fromEntries(new FormData(/** @type {HTMLFormElement} */ (event.target)).entries());
        sessionStorage.setItem(FILTER_KEY, JSON.stringify(values));
        void renderQueue(main, user);
      },
    },
    h(
      'label',
      {},
      t('workList'),
      select('list', filter.list ?? 'all', [
        ['all', t('allCases')],
        ['mine', t('myCases')],
        ['team', t('myTeamCases')],
        ['unassigned', t('unassigned')],
      ]),
    ),
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
    counted('source', filter.source, data.counts.source, (s) => valueLabel('sources', s)),
    counted('reason', filter.reason, data.counts.reason, reasonLabel),
    counted('province', filter.province, data.counts.province, (p) => p),
    counted('facility', filter.facility, data.counts.facility, (f) => f),
    h('label', {}, t('minScore'), h('input', { name: 'minScore', type: 'number', min: 0, max: 1, step: 0.05, value: filter.minScore ?? '' })),
    h('label', {}, t('maxScore'), h('input', { name: 'maxScore', type: 'number', min: 0, max: 1, step: 0.05, value: filter.maxScore ?? '' })),
    h('label', {}, t('olderThan'), h('input', { name: 'olderThanHours', type: 'number', min: 0, step: 1, value: filter.olderThanHours ?? '' })),
    h('button', { type: 'submit' }, t('apply')),
  );
  const chips = h(
    'p',
    { className: 'counts', id: 'counts' },
    `${data.total} ${t('total')} · `,
    Object.entries(data.counts.status).map(([status, n]) =>
      h('span', { className: `chip status-${status}` }, `${t(status === 'DECIDED' ? 'decidedLastDay' : status.toLowerCase())}: ${n}`),
    ),
  );
  const panel = mayDecide
    ? bulkPanel({ user, chosen, shown: data.cases.length, total: data.total, filter, refresh: () => void renderQueue(main, user) })
    : null;
  const rows = data.cases.map((c) =>
    h(
      'tr',
      { 'data-case': c.case_id, tabindex: 0, onclick: () => (location.hash = `#/case/${c.case_id}`) },
      mayDecide
        ? h(
            'td',
            { className: 'pick', onclick: (/** @type {Event} */ e) => e.stopPropagation() },
            h('input', {
              type: 'checkbox',
              className: 'choose',
              'aria-label': `${t('case')} #${c.case_id}`,
              onchange: (/** @type {Event} */ e) => {
                if (/** @type {HTMLInputElement} */ (e.target).checked) chosen.add(c.case_id);
                else chosen.delete(c.case_id);
                panel?.update();
              },
            }),
          )
        : null,
      h('td', { className: `priority p${c.priority}` }, c.priority),
      h('td', {}, h('a', { href: `#/case/${c.case_id}` }, `#${c.case_id}`)),
      h('td', {}, reasonLabel(c.reason, c.never_link !== null)),
      h('td', {}, valueLabel('sources', c.source)),
      h('td', { className: 'num' }, percent(c.score)),
      h('td', { className: 'num' }, c.candidates),
      h('td', { className: 'num' }, ageText(c.age_seconds)),
      h('td', { className: 'assigned' }, assignedText(c)),
      h('td', { className: 'claim' }, claimText(c, c.resolution)),
    ),
  );
  const chooseAll = h('input', {
    type: 'checkbox',
    id: 'choose-all',
    'aria-label': t('chooseAll'),
    onchange: (/** @type {Event} */ e) => {
      const on = /** @type {HTMLInputElement} */ (e.target).checked;
      for (const box of /** @type {NodeListOf<HTMLInputElement>} */ (main.querySelectorAll('input.choose'))) box.checked = on;
      for (const c of data.cases) if (on) chosen.add(c.case_id);
      if (!on) chosen.clear();
      panel?.update();
    },
  });
  const table =
    data.cases.length === 0
      ? h('p', { id: 'empty' }, t('noCases'))
      : h(
          'table',
          { className: 'queue', id: 'queue' },
          headRow(
            [t('priority'), t('case'), t('reason'), t('source'), t('score'), t('candidates'), t('age'), t('assignedTo'), t('claimedBy')],
            mayDecide ? chooseAll : null,
          ),
          h('tbody', {}, rows),
        );
  // Another steward's claim, or a decision, shows on its line without reloading.
  watchCases(
    data.cases.map((c) => c.case_id),
    (states) => {
      for (const state of states) {
        const row = main.querySelector(`tr[data-case="${state.case_id}"]`);
        const line = data.cases.find((c) => c.case_id === state.case_id);
        if (!row || !line) continue;
        /** @type {HTMLElement} */ (row.querySelector('td.claim')).textContent = claimText(state, state.resolution);
        /** @type {HTMLElement} */ (row.querySelector('td.assigned')).textContent = assignedText({ ...line, assigned_to: state.assigned_to, team: state.team });
      }
    },
  );
  main.replaceChildren(h('h1', {}, t('title')), form, chips, ...(panel ? [panel.element] : []), table);

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
