// @ts-check
import { api, waitApplied } from './api.js';
import { comparisonTable } from './case-compare.js';
import { historySection } from './case-history.js';
import { momentsTable } from './case-moments.js';
import { originSection } from './case-origin.js';
import { ageText, h, percent } from './dom.js';
import { dateTimeText, errorText, neverLinkSentence, reasonLabel, resolutionLabel, summaryText, t, valueLabel } from './i18n.js';
import { setShortcuts } from './keys.js';
import { mergeSection } from './merge-panel.js';
import { waterfall } from './waterfall.js';

/** @typedef {import('./api.js').CaseView} CaseView */
/** @typedef {import('./api.js').CaseCandidate} CaseCandidate */
/** @typedef {import('./api.js').DecisionState} DecisionState */
/** @typedef {import('./api.js').User} User */

/**
 * The citizens a steward can pick on this case: a duplicate pair's two, or the record's candidates.
 * @param {CaseView} view
 * @returns {CaseCandidate[]}
 */
function choices(view) {
  if (view.kind === 'duplicate') {
    const [other] = view.candidates;
    return [
      {
        citizen_id: view.record.label,
        fields: view.record.fields,
        score: other?.score ?? 0,
        explanation: other?.explanation ?? null,
        now: other?.now ?? null,
        agreement: null,
        status: 'ALIVE',
      },
      ...view.candidates,
    ];
  }
  return view.candidates;
}

/**
 * Why the record's scores start from a prior of their own (an infant's record): the band's age
 * limit and its share of records in the register beside the settings' own (the band's name is the
 * settings' word for operators, not a steward's).
 * @param {import('./api.js').PriorBand} prior
 */
function priorBandText(prior) {
  return t('priorBand')
    .replace('{days}', String(prior.band.under_days))
    .replace('{share}', percent(prior.band.probability_record_in_register))
    .replace('{global}', percent(prior.global_probability));
}

/** @typedef {{ citizenId: string, rule: import('./api.js').NeverLinkRule }} HeldRule */

/**
 * The never_link rule that keeps the record (or the pair) from each candidate: as it holds now,
 * scored again with the settings version that opened the case, or as stored with the case when
 * the candidate cannot be scored again (settings version unknown, citizen gone).
 * @param {CaseView} view
 * @returns {HeldRule[]}
 */
function rulesHeld(view) {
  return view.candidates.flatMap((c) => {
    const rule = c.now ? c.now.never_link : c.never_link;
    return rule ? [{ citizenId: c.citizen_id, rule }] : [];
  });
}

/**
 * The case's summary in the chosen language, from its reason and the candidates' probabilities;
 * a duplicate pair a never_link rule holds for is said to be a match under the rule.
 * @param {CaseView} view
 * @param {CaseCandidate[]} people
 * @param {boolean} underNeverLink
 */
function caseSummary(view, people, underNeverLink) {
  const scores = (view.kind === 'duplicate' ? view.candidates : people).map((p) => p.score).sort((a, b) => b - a);
  const [best, second] = scores.map(percent);
  return summaryText(view.case.reason, { best, second }, underNeverLink);
}

/**
 * The reasons whose stored summary names the rule that holds: a NEVER_LINK_RULE case, and a later
 * event of a linked record that its citizen's rules forbid (a guardian's ID and a contradicted ID
 * are no never_link rule, so scoring again does not find them).
 */
const STORED_RULE_REASONS = new Set(['NEVER_LINK_RULE', 'LINKED_RECORD_CONTRADICTED']);

/**
 * The never_link rules that keep the record (or the pair) from a candidate, each by name and in
 * its own sentence: the reason says only that a rule holds, and a twin must not be linked or
 * merged without the steward reading which. A case of the linker that can neither be scored
 * again nor holds its rule as data shows the summary stored with it (STORED_RULE_REASONS).
 * @param {CaseView} view
 * @param {HeldRule[]} held
 */
function neverLinkNotes(view, held) {
  if (held.length === 0)
    return STORED_RULE_REASONS.has(view.case.reason)
      ? h('p', { className: 'never-link', id: 'never-link', role: 'note' }, view.case.explanation.summary)
      : null;
  return h(
    'ul',
    { className: 'never-link', id: 'never-link', role: 'note' },
    held.map(({ citizenId, rule }) =>
      h('li', { 'data-rule': rule.name, 'data-citizen': citizenId }, `${t('neverLinkRule')} «${rule.name}» (${citizenId}): ${neverLinkSentence(rule)}`),
    ),
  );
}

/**
 * A refusal the register gives a code (steward-refusal.ts) says why in the steward's language; any other, that it no longer allows the decision.
 * @param {DecisionState} d
 */
function decisionStatusText(d) {
  if (!d.applied_at) return t('waiting');
  if (d.result?.status !== 'refused') return t('applied');
  return `${t('refused')}: ${d.result.code ? errorText(d.result) : t('refusedWhy')}`;
}

/**
 * @param {CaseView} view
 * @param {(decision: DecisionState) => Promise<void>} onUndo
 */
function decisionList(view, onUndo) {
  if (view.decisions.length === 0) return null;
  return h(
    'section',
    { id: 'decisions' },
    h('h2', {}, t('decisions')),
    h(
      'ul',
      {},
      view.decisions.map((d) => {
        const status = decisionStatusText(d);
        return h(
          'li',
          { 'data-decision': d.decision_id },
          h('strong', {}, valueLabel('actions', d.action)),
          ` ${d.citizen_id ?? ''}${d.other_citizen_id ? ` ← ${d.other_citizen_id}` : ''} · ${d.actor} · ${dateTimeText(d.decided_at)} · ${status}${d.undone_by ? ` · ${t('undone')}` : ''}`,
          h('div', { className: 'sub' }, d.comment),
          d.may_undo ? h('button', { className: 'undo', onclick: () => onUndo(d) }, t('undo')) : null,
        );
      }),
    ),
  );
}

/**
 * @param {User} user
 * @param {number} current
 */
async function nextCase(user, current) {
  const { cases } = await api.cases({ status: 'open', limit: 50 });
  const next = cases.find((c) => c.case_id !== current && (!c.claimed_by || c.claimed_by === user.username));
  location.hash = next ? `#/case/${next.case_id}` : '#/';
}

/** A case: the record and candidates side by side, the selected candidate's weights as a waterfall, and the decisions; returns what it showed. */
/**
 * @param {HTMLElement} main
 * @param {number} caseId
 * @param {User} user
 * @returns {Promise<CaseView>}
 */
export async function renderCase(main, caseId, user) {
  const view = await api.case(caseId);
  const people = choices(view);
  const held = rulesHeld(view);
  let selected = 0;
  const c = view.case;
  const mayDecide = user.role !== 'viewer' && c.status !== 'DECIDED' && (!c.claimed_by || c.claimed_by === user.username);
  const status = h('p', { id: 'decision-status', role: 'status' });
  const comment = h('textarea', { id: 'comment', rows: 2, placeholder: t('comment'), disabled: user.role === 'viewer' });

  /** @param {(comment: string) => Promise<import('./api.js').DecisionAccepted>} decide */
  const publish = async (decide) => {
    if (comment.value.trim() === '') {
      status.textContent = t('commentNeeded');
      comment.focus();
      return;
    }
    status.textContent = t('waiting');
    try {
      const { decision_id } = await decide(comment.value.trim());
      await waitApplied(decision_id);
      // The status call says only whether it is applied; the reason of a refusal is on the (audited) case.
      const shown = await renderCase(main, caseId, user);
      const decided = shown.decisions.find((d) => d.decision_id === decision_id);
      /** @type {HTMLElement} */ (document.getElementById('decision-status')).textContent = decided ? decisionStatusText(decided) : t('waiting');
    } catch (error) {
      status.textContent = errorText(error);
    }
  };
  /**
   * @param {string} action
   * @param {{ citizenId?: string, otherCitizenId?: string }} [extra]
   */
  const decide = (action, extra = {}) => publish((text) => api.decide(caseId, { action, comment: text, ...extra }));
  // The selection is always one of the people shown.
  const chosen = () => /** @type {CaseCandidate} */ (people[selected]);
  // Only what the case allows is offered (a record whose ID is a citizen's cannot be a new citizen).
  const allowed = new Set(view.allowed_actions);
  /** @type {Record<string, (() => Promise<void>) | null | undefined>} */
  const actions = {
    l: allowed.has('LINK') && people.length > 0 ? () => decide('LINK', { citizenId: chosen().citizen_id }) : null,
    n: allowed.has('NEW') ? () => decide('NEW') : null,
    r: allowed.has('REJECT') ? () => decide('REJECT') : null,
    d: allowed.has('DISTINCT') ? () => decide('DISTINCT') : null,
  };
  const undo = (/** @type {DecisionState} */ decision) => publish((text) => api.undo(caseId, decision.decision_id, text));

  const render = () => {
    const person = chosen();
    /** @type {[key: string, id: string, label: string][]} */
    const buttonSpecs = [
      ['l', 'decide-link', t('link')],
      ['n', 'decide-new', t('newCitizen')],
      ['r', 'decide-reject', t('reject')],
      ['d', 'decide-distinct', t('distinct')],
    ];
    const buttons = buttonSpecs
      .filter(([key]) => actions[key])
      .map(([key, id, label]) => h('button', { id, disabled: !mayDecide, onclick: actions[key] }, h('kbd', {}, key.toUpperCase()), ' ', label));
    const claimButtons =
      user.role === 'viewer' || c.status === 'DECIDED'
        ? []
        : c.claimed_by === user.username
          ? [
              h(
                'button',
                {
                  id: 'release',
                  onclick: async () => {
                    await api.release(caseId);
                    await renderCase(main, caseId, user);
                  },
                },
                t('release'),
              ),
            ]
          : [
              h(
                'button',
                {
                  id: 'claim',
                  disabled: !mayDecide,
                  onclick: async () => {
                    await api.claim(caseId).catch((/** @type {Error} */ e) => (status.textContent = errorText(e)));
                    await renderCase(main, caseId, user);
                  },
                },
                t('claim'),
              ),
            ];
    main.replaceChildren(
      .../** @type {HTMLElement[]} */ (
        [
          h('p', {}, h('a', { href: '#/', id: 'back' }, `← ${t('back')}`)),
          h('h1', {}, `${t('case')} #${c.case_id} — ${reasonLabel(c.reason, held.length > 0)}`),
          h(
            'p',
            { className: 'meta', id: 'case-meta' },
            `${t('source')}: ${valueLabel('sources', c.source)} · ${t('status')}: ${valueLabel('statuses', c.status)}${c.claimed_by ? ` (${c.claimed_by})` : ''}${c.resolution ? ` · ${resolutionLabel(c.resolution)}` : ''} · ${t('priority')} ${c.priority}${c.rechecks > 0 ? ` · ${t('rechecks')}: ${c.rechecks}` : ''} · ${t('age')} ${ageText((Date.now() - new Date(c.created_at).getTime()) / 1000)}`,
          ),
          // Which linkage settings decided the record: a shadow run or a later version may decide otherwise.
          h('p', { className: 'meta', id: 'case-settings' }, `${t('settingsVersion')}: ${c.settings_version ?? t('settingsVersionUnknown')}`),
          h('p', { className: 'summary', id: 'summary' }, caseSummary(view, people, held.length > 0)),
          neverLinkNotes(view, held),
          h(
            'div',
            { className: 'claim' },
            claimButtons,
            !mayDecide && c.status !== 'DECIDED' && c.claimed_by && c.claimed_by !== user.username
              ? h('span', {}, `${t('claimedByOther')}: ${c.claimed_by}`)
              : null,
          ),
          ...comparisonTable(view, people, selected, (i) => {
            selected = i;
            render();
          }),
          h(
            'section',
            { className: 'explain', id: 'explain' },
            h('h2', {}, `${t('waterfall')}: ${person.citizen_id}`),
            // The waterfall is the explanation stored when the case was sent for review; the table sets it beside now.
            h('h3', {}, t('atReview')),
            view.prior_band ? h('p', { className: 'sub', id: 'prior-band' }, priorBandText(view.prior_band)) : null,
            person.explanation ? waterfall(person.explanation) : h('p', {}, '—'),
            person.explanation || person.now ? momentsTable(person) : null,
            person.explanation ? h('p', { className: 'sub' }, t('weightsHint')) : null,
          ),
          h(
            'section',
            { className: 'decide' },
            // Why fewer decisions are offered than the candidates would allow (the record deleted at its source): the register's refusal in words.
            view.actions_limited_by
              ? h('p', { className: 'actions-limited', id: 'actions-limited', role: 'note' }, errorText({ code: view.actions_limited_by }))
              : null,
            comment,
            h('div', { className: 'buttons' }, buttons),
            status,
            c.status === 'DECIDED'
              ? h('button', { id: 'next-case', onclick: () => nextCase(user, caseId) }, h('kbd', {}, t('spaceKey')), ' ', t('next'))
              : null,
          ),
          mergeSection({ view, people, selected, user, mayDecide, comment, status, publish, refresh: () => renderCase(main, caseId, user) }),
          decisionList(view, undo),
          originSection(view.record.origin),
          historySection(view.history),
        ].filter(Boolean)
      ),
    );
  };
  render();

  setShortcuts((key) => {
    if (/^[1-5]$/.test(key) && Number(key) <= people.length) {
      selected = Number(key) - 1;
      render();
      return true;
    }
    // M only opens the merge form: a merge names both citizens and needs a second steward's approval.
    if (key === 'm') {
      const form = document.getElementById('merge-survivor') ?? document.getElementById('merge');
      form?.focus();
      form?.scrollIntoView();
      return Boolean(form);
    }
    if (key === 'c') {
      comment.focus();
      return true;
    }
    if (key === 'escape') {
      location.hash = '#/';
      return true;
    }
    if (key === ' ' && c.status === 'DECIDED') {
      void nextCase(user, caseId);
      return true;
    }
    if (key === 'u') {
      const last = [...view.decisions].reverse().find((d) => d.may_undo);
      if (last) void undo(last);
      return Boolean(last);
    }
    if (mayDecide && actions[key]) {
      void actions[key]();
      return true;
    }
    return false;
  });
  return view;
}
