// @ts-check
// The linkage settings' lifecycle for supervisors: the current version and how it became so, the
// saved shadow runs with their counts by transition, and one run's examples explained both ways.
import { api } from './api.js';
import { dateTimeText, levelSentence, reasonLabel, t, valueLabel } from './i18n.js';
import { h, headRow, percent } from './dom.js';

/** @typedef {import('./api.js').ShadowSide} ShadowSide */

/**
 * `LINK → REVIEW`, `LINK → LINK (another citizen)`: the report's transition in the chosen language.
 * @param {string} transition
 */
export function transitionText(transition) {
  const match = /^(\w+) → (\w+)( \(another citizen\))?$/.exec(transition);
  if (!match) return transition;
  const [, from, to, other] = match;
  return `${t(`decision_${from}`)} → ${t(`decision_${to}`)}${other ? ` ${t('transitionOther')}` : ''}`;
}

/** @param {string} version */
const code = (version) => h('code', {}, version);

/** @param {HTMLElement} main */
export async function renderSettings(main) {
  const { current, history, runs } = await api.shadowRuns();
  main.replaceChildren(
    h('h1', {}, t('settingsTitle')),
    h('p', { id: 'settings-current' }, `${t('settingsCurrent')}: `, current ? code(current) : t('settingsNoneCurrent')),
    h('h2', {}, t('settingsHistory')),
    h(
      'table',
      { id: 'settings-history' },
      headRow([t('shadowAt'), t('shadowKindLabel'), t('shadowTo'), t('shadowFrom'), t('shadowBy'), t('shadowRelinked')]),
      h(
        'tbody',
        {},
        history.map((entry) =>
          h(
            'tr',
            {},
            h('td', {}, dateTimeText(entry.at)),
            h('td', {}, t(`shadowKind_${entry.action}`)),
            h('td', {}, code(entry.version)),
            h('td', {}, entry.previous_version ? code(entry.previous_version) : ''),
            h('td', {}, entry.actor),
            h('td', { className: 'num' }, String(entry.relinked)),
          ),
        ),
      ),
    ),
    h('h2', {}, t('shadowRuns')),
    runs.length === 0
      ? h('p', { id: 'no-shadow-runs' }, t('noShadowRuns'))
      : h(
          'table',
          { id: 'shadow-runs' },
          headRow([t('shadowAt'), t('shadowKindLabel'), t('shadowFrom'), t('shadowTo'), t('shadowBy'), t('shadowCompared'), t('shadowChanged'), '']),
          h(
            'tbody',
            {},
            runs.map((run) =>
              h(
                'tr',
                {},
                h('td', {}, dateTimeText(run.created_at)),
                h('td', {}, t(`shadowKind_${run.kind}`)),
                h('td', {}, code(run.current_version)),
                h('td', {}, code(run.candidate_version)),
                h('td', {}, run.actor),
                h('td', { className: 'num' }, String(run.compared)),
                h(
                  'td',
                  {},
                  run.transitions.length === 0
                    ? t('shadowNoChange')
                    : h(
                        'ul',
                        {},
                        run.transitions.map((change) => h('li', {}, `${transitionText(change.transition)}: ${change.count}`)),
                      ),
                ),
                h('td', {}, h('a', { href: `#/settings/${run.id}`, className: 'shadow-run-link' }, t('shadowOpen'))),
              ),
            ),
          ),
        ),
  );
}

/**
 * One side of an example: the decision, its citizen, score and reason, and each comparison's sentence and weight.
 * @param {ShadowSide} side
 */
function sideView(side) {
  return h(
    'div',
    { className: 'shadow-side' },
    h(
      'p',
      {},
      h('strong', {}, t(`decision_${side.decision}`)),
      side.citizenId ? ` ${side.citizenId}` : '',
      ` — ${percent(side.score)} — ${reasonLabel(side.reason)}`,
    ),
    side.explanation
      ? h(
          'ul',
          {},
          side.explanation.comparisons.map((c) =>
            h('li', {}, `${valueLabel('comparisons', c.comparison)}: ${levelSentence(c)} (${c.weight >= 0 ? '+' : ''}${c.weight.toFixed(1)})`),
          ),
        )
      : null,
  );
}

/**
 * @param {HTMLElement} main
 * @param {number} id
 */
export async function renderShadowRun(main, id) {
  const run = await api.shadowRun(id);
  main.replaceChildren(
    h('p', {}, h('a', { href: '#/settings' }, `← ${t('settingsTitle')}`)),
    h('h1', {}, `${t(`shadowKind_${run.kind}`)} ${run.id}`),
    h('p', {}, code(run.current_version), ' → ', code(run.candidate_version), ` — ${dateTimeText(run.created_at)} — ${run.actor}`),
    h('p', { id: 'shadow-counts' }, `${t('shadowCompared')}: ${run.report.compared}; ${t('shadowChanged')}: ${run.report.changed}`),
    run.report.changes.length === 0
      ? h('p', {}, t('shadowNoChange'))
      : h(
          'div',
          { id: 'shadow-changes' },
          run.report.changes.map((change) =>
            h(
              'section',
              { className: 'shadow-change' },
              h('h2', {}, `${transitionText(change.transition)}: ${change.count}`),
              h(
                'table',
                { className: 'shadow-examples' },
                headRow([t('shadowRecord'), t('shadowCurrentSide'), t('shadowCandidateSide')]),
                h(
                  'tbody',
                  {},
                  change.examples.map((example) =>
                    h(
                      'tr',
                      {},
                      h('td', {}, `${valueLabel('sources', example.source)} ${example.recordId}`),
                      h('td', {}, sideView(example.current)),
                      h('td', {}, sideView(example.candidate)),
                    ),
                  ),
                ),
              ),
            ),
          ),
        ),
  );
}
