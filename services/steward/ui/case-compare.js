// @ts-check
import { h, percent } from './dom.js';
import { changedSince } from './case-moments.js';
import { dateText, levelSentence, t, valueLabel } from './i18n.js';
import { characterDiff, differenceSummary, nearMiss } from './text-diff.js';

/** @typedef {import('./api.js').CaseView} CaseView */
/** @typedef {import('./api.js').CaseCandidate} CaseCandidate */
/** @typedef {import('./api.js').ComparedField} ComparedField */

/** @type {ComparedField[]} */
const FIELDS = ['personal_id', 'full_name', 'date_of_birth', 'sex', 'address'];

/**
 * A field's value as a steward reads it: dates as dd/mm/yyyy, sexes in words.
 * @param {ComparedField} field
 * @param {string | null} value
 */
export function shownValue(field, value) {
  if (value === null || value === undefined || value === '') return '—';
  if (field === 'date_of_birth') return dateText(value);
  if (field === 'sex') return valueLabel('sexes', value);
  return value;
}

/**
 * The candidate's value with the characters that differ from the record's marked: changed and
 * added ones underlined (a diacritic alone dotted), a place where the record has characters the
 * candidate lacks shown by a caret ^ (drawn by the style sheet, the missing text in its title);
 * what it amounts to is said in words beside it, so that nothing is told by colour alone. The
 * value's text stays the value itself, for copying and reading aloud.
 * @param {ComparedField} field
 * @param {string} record the record's value as stored
 * @param {string} candidate the candidate's value as stored
 */
function diffedValue(field, record, candidate) {
  const parts = characterDiff(shownValue(field, record), shownValue(field, candidate));
  return [
    h(
      'span',
      { className: 'diffed', 'data-whole': true },
      parts.map((part) =>
        part.op === 'same'
          ? part.text
          : part.op === 'removed'
            ? h('span', { className: 'diff removed', title: part.text })
            : h('mark', { className: `diff ${part.op} ${part.mark ?? ''}` }, part.text),
      ),
    ),
    h(
      'span',
      { className: 'diff-summary' },
      differenceSummary(field, record, candidate)
        .map((s) => t(s.key).replace('{n}', String(s.n ?? '')))
        .join('; '),
    ),
  ];
}

/**
 * A candidate's cell: its value now, how it compares with the record's, the characters that
 * differ, and, when the comparison is not what it was when the case was sent for review, a mark
 * saying so with what it was then.
 * @param {ComparedField} field
 * @param {string | null} recordValue null where there is nothing to compare with (the record column, a pair's first citizen)
 * @param {CaseCandidate} person
 * @param {import('./api.js').Agreement | null | undefined} agreement
 */
function candidateCell(field, recordValue, person, agreement) {
  const value = person.fields[field];
  const diffable =
    recordValue !== null &&
    value !== null &&
    field !== 'sex' &&
    (agreement === 'differs' || agreement === 'same_without_diacritics') &&
    nearMiss(shownValue(field, recordValue), shownValue(field, value));
  const changed = agreement ? changedSince(person, field) : null;
  return h(
    'td',
    { className: `value ${agreement ?? ''}`, title: agreement ? t(agreement) : '', 'data-citizen': person.citizen_id },
    diffable ? diffedValue(field, recordValue, value) : shownValue(field, value),
    agreement && agreement !== 'same' ? h('span', { className: 'badge' }, t(agreement)) : null,
    changed ? h('div', { className: 'since' }, `${t('changedSince')}. ${t('thenWas')}: ${levelSentence(changed.then)}`) : null,
  );
}

/**
 * The record's source and event in words (the API's label holds their codes); the source alone
 * where the event says the same (a vaccination of the vaccination source).
 * @param {CaseView} view
 */
function recordHeading(view) {
  const source = valueLabel('sources', view.record.source);
  const event = valueLabel('eventTypes', view.record.event_type);
  return !event || event === source ? source : `${source} · ${event}`;
}

/**
 * The record and the candidates side by side, field by field, the candidates' values as the
 * register holds them now.
 * @param {CaseView} view
 * @param {CaseCandidate[]} people
 * @param {number} selected
 * @param {(index: number) => void} onSelect
 */
export function comparisonTable(view, people, selected, onSelect) {
  const recordColumn = view.kind === 'record';
  const head = h(
    'tr',
    {},
    h('th', {}, t('field')),
    recordColumn
      ? h('th', {}, t('record'), h('div', { className: 'sub' }, recordHeading(view)), h('div', { className: 'sub' }, dateText(view.record.event_date)))
      : null,
    people.map((person, i) =>
      h(
        'th',
        { className: i === selected ? 'chosen' : '' },
        h(
          'button',
          { className: 'pick', id: `pick-${i + 1}`, onclick: () => onSelect(i), 'aria-pressed': String(i === selected) },
          `${i + 1}. ${person.citizen_id}`,
        ),
        h(
          'div',
          { className: 'sub score' },
          `${t('score')} ${percent(person.score)} ${t('scoreAtReview')}${person.now ? ` · ${percent(person.now.score)} ${t('scoreNow')}` : ''}${person.status !== 'ALIVE' ? ` · ${valueLabel('statuses', person.status)}` : ''}`,
        ),
        h('a', { href: `#/citizen/${encodeURIComponent(person.citizen_id)}`, className: 'sub' }, t('history')),
      ),
    ),
  );
  // For a duplicate pair, the second citizen is compared with the first.
  const rows = FIELDS.map((field) =>
    h(
      'tr',
      { 'data-field': field },
      h('th', { scope: 'row' }, t(field)),
      recordColumn ? h('td', { className: 'value record' }, shownValue(field, view.record.fields[field])) : null,
      people.map((person, i) => {
        const first = view.kind === 'duplicate' && i === 0;
        return candidateCell(field, first ? null : view.record.fields[field], person, first ? null : person.agreement?.[field]);
      }),
    ),
  );
  return [
    h('p', { className: 'sub', id: 'compare-legend' }, t('valuesNow'), ' ', t('diffLegend')),
    h('table', { className: 'compare', id: 'compare' }, h('thead', {}, head), h('tbody', {}, rows)),
  ];
}
