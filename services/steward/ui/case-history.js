// @ts-check
import { h } from './dom.js';
import { dateTimeText, errorText, t, valueLabel } from './i18n.js';

/** @typedef {import('./api.js').HistoryEntry} HistoryEntry */

/**
 * What happened, in words: the event, the kind of decision it was about, why the register refused
 * it (when its refusal has a code), and how many views a line stands for.
 * @param {HistoryEntry} entry
 */
function what(entry) {
  const decision = entry.decision_action ? `: ${valueLabel('actions', entry.decision_action)}` : '';
  const refusal = entry.refusal ? ` — ${errorText({ code: entry.refusal })}` : '';
  const times = entry.times > 1 ? ` (${entry.times} ${t('times')})` : '';
  return `${valueLabel('caseEvents', entry.event)}${decision}${refusal}${times}`;
}

/**
 * The case's history from the audit log, oldest first: who viewed, claimed, released, decided
 * and undid it, and when (views in a row by one steward on one line, first to last).
 * @param {HistoryEntry[]} history
 */
export function historySection(history) {
  return h(
    'section',
    { id: 'case-history' },
    h('h2', {}, t('caseHistory')),
    h(
      'table',
      { className: 'history' },
      h('thead', {}, h('tr', {}, h('th', {}, t('when')), h('th', {}, t('who')), h('th', {}, t('what')))),
      h(
        'tbody',
        {},
        history.map((entry) =>
          h(
            'tr',
            { 'data-event': entry.event },
            h('td', {}, entry.until ? `${dateTimeText(entry.at)} – ${dateTimeText(entry.until)}` : dateTimeText(entry.at)),
            h('td', {}, entry.actor ?? t('system')),
            h('td', {}, what(entry)),
          ),
        ),
      ),
    ),
  );
}
