// @ts-check
import { h } from './dom.js';
import { dateText, dateTimeText, t, valueLabel } from './i18n.js';

/** @typedef {import('./api.js').RecordOrigin} RecordOrigin */

// Details whose values are codes of the source's schema, shown in words; dates shown as dd/mm/yyyy.
const CODED_DETAILS = new Set(['status', 'marital_status', 'changed_field', 'new_value_precision']);

/**
 * A detail's value as a steward reads it.
 * @param {string} key
 * @param {string} value
 */
function detailValue(key, value) {
  if (key.endsWith('date') || key.startsWith('date_')) return dateText(value);
  if (CODED_DETAILS.has(key)) return valueLabel('detailCodes', value);
  return value;
}

/**
 * @param {string} id
 * @param {string} label
 * @param {import('./dom.js').Child} value
 */
function row(id, label, value) {
  return h('tr', { 'data-origin': id }, h('th', { scope: 'row' }, label), h('td', {}, value ?? '—'));
}

/**
 * Where the record comes from, so that a steward can call its source: the system and its own
 * record id, the event and every detail the source sent with it, and what was odd about it
 * (an address left out as implausible). Only what the observation carries; nothing for a
 * duplicate pair, which is two citizens of the register.
 * @param {RecordOrigin | null} origin
 */
export function originSection(origin) {
  if (!origin) return null;
  return h(
    'section',
    { id: 'origin' },
    h('h2', {}, t('origin')),
    h(
      'table',
      { className: 'origin' },
      h(
        'tbody',
        {},
        row('source', t('source'), valueLabel('sources', origin.source)),
        row('source-system', t('sourceSystem'), origin.source_system),
        row('source-record-id', t('sourceRecordId'), origin.source_record_id),
        row('event', t('event'), `${valueLabel('eventTypes', origin.event_type)} (${valueLabel('changeTypes', origin.change_type)})`),
        row('event-date', t('eventDate'), dateText(origin.event_date) || null),
        row('source-time', t('sourceTime'), dateTimeText(origin.event_time)),
        row('received-at', t('receivedAt'), dateTimeText(origin.ingested_at)),
        origin.details.map((d) => row(`detail-${d.key}`, valueLabel('details', d.key), detailValue(d.key, d.value))),
      ),
    ),
    h('h3', {}, t('recordFindings')),
    origin.findings.length === 0
      ? h('p', { id: 'findings' }, t('noFindings'))
      : h(
          'ul',
          { id: 'findings' },
          origin.findings.map((f) => h('li', { 'data-finding': f.code }, valueLabel('findings', f.code))),
        ),
  );
}
