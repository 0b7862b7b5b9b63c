// @ts-check
// Search the register by personal ID, record id or name (with or without diacritics) and birth
// date; each citizen found opens their history with all their linked sector records. What was
// typed stays in this tab's memory only: never in the URL, the browser's storage or history.
import { api } from './api.js';
import { h, headRow } from './dom.js';
import { dateText, errorText, reasonLabel, t, valueLabel } from './i18n.js';

/** @type {{ query: string, birthDate: string, result: import('./api.js').SearchResult } | null} */
let last = null;

/** @param {import('./api.js').CitizenHit} hit */
function foundBy(hit) {
  const how = valueLabel('matchedBy', hit.matched_by);
  return hit.record ? `${how}: ${valueLabel('sources', hit.record.source)} ${hit.record.source_system}/${hit.record.source_record_id}` : how;
}

/** @param {import('./api.js').SearchResult} result */
function results(result) {
  const citizens =
    result.citizens.length === 0
      ? h('p', { id: 'search-empty' }, t('searchNone'))
      : h(
          'table',
          { className: 'queue', id: 'search-results' },
          headRow([t('full_name'), t('personal_id'), t('date_of_birth'), t('sex'), t('status'), t('links'), t('foundBy')]),
          h(
            'tbody',
            {},
            result.citizens.map((hit) =>
              h(
                'tr',
                { 'data-citizen': hit.citizen_id, tabindex: 0, onclick: () => (location.hash = `#/citizen/${encodeURIComponent(hit.citizen_id)}`) },
                h('td', {}, h('a', { href: `#/citizen/${encodeURIComponent(hit.citizen_id)}` }, hit.full_name)),
                h('td', {}, hit.personal_id ?? '—'),
                h('td', {}, dateText(hit.date_of_birth)),
                h('td', {}, valueLabel('sexes', hit.sex)),
                h('td', {}, `${valueLabel('statuses', hit.status)}${hit.merged_into ? ` → ${hit.merged_into}` : ''}`),
                h('td', { className: 'num' }, hit.links),
                h('td', {}, foundBy(hit)),
              ),
            ),
          ),
        );
  const cases =
    result.cases.length === 0
      ? null
      : h(
          'section',
          { id: 'search-cases' },
          h('h2', {}, t('recordsInReview')),
          h(
            'ul',
            {},
            result.cases.map((c) =>
              h(
                'li',
                {},
                h('a', { href: `#/case/${c.case_id}` }, `${t('case')} #${c.case_id}`),
                ` · ${reasonLabel(c.reason)} · ${valueLabel('sources', c.source)}${c.source_record_id ? ` · ${c.source_record_id}` : ''}`,
              ),
            ),
          ),
        );
  return [result.truncated ? h('p', { id: 'search-truncated', className: 'sub' }, t('searchTruncated')) : null, citizens, cases];
}

/** @param {HTMLElement} main */
export async function renderSearch(main) {
  const query = h('input', { id: 'search-query', name: 'query', type: 'search', autocomplete: 'off', maxlength: 100, value: last?.query ?? '' });
  const birthDate = h('input', {
    id: 'search-birth',
    name: 'birthDate',
    autocomplete: 'off',
    maxlength: 10,
    placeholder: t('datePlaceholder'),
    value: last?.birthDate ?? '',
  });
  const status = h('p', { id: 'search-status', role: 'status' });
  const found = h('div', { id: 'search-found' }, last ? results(last.result) : null);
  const form = h(
    'form',
    {
      className: 'filters',
      id: 'search-form',
      onsubmit: async (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        if (query.value.trim() === '') return;
        status.textContent = t('searching');
        try {
          const result = await api.search(query.value.trim(), birthDate.value.trim());
          last = { query: query.value, birthDate: birthDate.value, result };
          status.textContent = `${t('found')}: ${result.citizens.length}`;
          found.replaceChildren(...results(result).filter((x) => x !== null));
        } catch (error) {
          status.textContent = errorText(error);
        }
      },
    },
    h('label', { className: 'wide' }, t('searchWhat'), query),
    h('label', {}, t('date_of_birth'), birthDate),
    h('button', { type: 'submit', id: 'search-button' }, t('search')),
  );
  main.replaceChildren(h('h1', {}, t('searchTitle')), h('p', { className: 'sub' }, t('searchHint')), form, status, found);
  query.focus();
}
