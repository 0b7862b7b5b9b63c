// @ts-check
import { api } from './api.js';
import { h, percent } from './dom.js';
import { dateText, dateTimeText, ruleLabel, t, valueLabel } from './i18n.js';
import { setShortcuts } from './keys.js';

/** @typedef {import('./dom.js').Child} Child */

/**
 * @param {string[]} columns
 * @param {{ className?: string, cells: Child[] }[]} rows
 */
function table(columns, rows) {
  return h(
    'table',
    { className: 'history' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((c) => h('th', {}, c)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((r) =>
        h(
          'tr',
          { className: r.className ?? '' },
          r.cells.map((cell) => h('td', {}, cell ?? '—')),
        ),
      ),
    ),
  );
}

/**
 * @param {string} field
 * @param {string | null | undefined} value
 */
function citizenValue(field, value) {
  if (value === null || value === undefined) return null;
  if (field === 'date_of_birth' || field === 'date_of_death') return dateText(value);
  if (field === 'sex') return valueLabel('sexes', value);
  if (field === 'status') return valueLabel('statuses', value);
  if (field === 'marital_status') return valueLabel('maritalStatuses', value);
  return value;
}

const when = (/** @type {string | null} */ value) => dateTimeText(value);
// The register's own values carry no event time (they predate every event).
const eventWhen = (/** @type {string} */ value) => (value && new Date(value).getTime() > 0 ? when(value) : t('registerValue'));

/** A citizen's history: current values, every value each field has had and why, linked records, facts, merges, audit (the view is audited). */
/**
 * @param {HTMLElement} main
 * @param {string} citizenId
 */
export async function renderCitizen(main, citizenId) {
  const view = await api.citizen(citizenId);
  const c = view.citizen;
  setShortcuts((key) => {
    if (key === 'escape') {
      history.back();
      return true;
    }
    return false;
  });
  main.replaceChildren(
    .../** @type {HTMLElement[]} */ (
      [
        h(
          'p',
          {},
          h(
            'a',
            {
              href: '#/',
              onclick: (/** @type {Event} */ e) => {
                e.preventDefault();
                history.back();
              },
            },
            `← ${t('back')}`,
          ),
        ),
        h('h1', { id: 'citizen-title' }, `${t('history')}: ${c.citizen_id}`),
        h(
          'section',
          {},
          h('h2', {}, t('currentValues')),
          table(
            [t('field'), t('value')],
            ['personal_id', 'full_name', 'date_of_birth', 'sex', 'address', 'place_of_birth', 'ethnicity', 'marital_status', 'date_of_death', 'status'].map(
              (field) => ({ cells: [t(field), citizenValue(field, c[field])] }),
            ),
          ),
        ),
        h(
          'section',
          {},
          h('h2', {}, t('fieldHistory')),
          table(
            [t('field'), t('value'), t('source'), t('eventTime'), t('rule'), ''],
            view.provenance.map((p) => ({
              className: p.is_current ? 'current' : '',
              cells: [
                t(p.field),
                citizenValue(p.field, p.value),
                `${valueLabel('sources', p.source)} ${p.source_system}/${p.source_record_id}`,
                eventWhen(p.event_time),
                ruleLabel(p.rule),
                p.is_current ? t('current') : '',
              ],
            })),
          ),
        ),
        h(
          'section',
          {},
          h('h2', {}, t('links')),
          table(
            [t('source'), t('record'), t('method'), t('score'), ''],
            view.links.map((l) => ({
              cells: [
                valueLabel('sources', l.source),
                `${l.source_system}/${l.source_record_id}`,
                valueLabel('methods', l.method),
                percent(l.score),
                when(l.linked_at),
              ],
            })),
          ),
        ),
        h(
          'section',
          {},
          h('h2', {}, t('facts')),
          table(
            [t('kind'), t('date'), t('source'), ''],
            view.facts.map((f) => ({
              className: f.withdrawn_at ? 'withdrawn' : '',
              cells: [
                valueLabel('factKinds', f.kind),
                dateText(f.fact_date),
                `${valueLabel('sources', f.source)} ${f.source_system}/${f.source_record_id}`,
                f.withdrawn_at ? `${t('withdrawn')} ${when(f.withdrawn_at)}` : '',
              ],
            })),
          ),
        ),
        view.merges.length > 0
          ? h(
              'section',
              {},
              h('h2', {}, t('merges')),
              table(
                ['#', t('survivor'), t('merged'), t('by'), t('note'), t('undone')],
                view.merges.map((m) => ({
                  cells: [m.merge_id, m.survivor_id, m.merged_id, m.actor, m.comment, m.undone_at ? `${when(m.undone_at)} ${m.undone_by}` : ''],
                })),
              ),
            )
          : null,
        h(
          'section',
          {},
          h('h2', {}, t('audit')),
          table(
            ['', t('actor'), t('action')],
            view.audit.map((a) => ({ cells: [when(a.at), a.actor, valueLabel('auditActions', a.action)] })),
          ),
        ),
      ].filter(Boolean)
    ),
  );
}
