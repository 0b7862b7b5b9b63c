// @ts-check
// Four-eyes merges on a case page: a steward names both citizens, sees the merged record before
// proposing it, and a second steward approves (or rejects) it; nothing merges on one keystroke.
import { api } from './api.js';
import { h } from './dom.js';
import { dateText, errorText, neverLinkSentence, ruleLabel, t, valueLabel } from './i18n.js';

/** @typedef {import('./api.js').CaseView} CaseView */
/** @typedef {import('./api.js').User} User */
/** @typedef {import('./api.js').MergePreview} MergePreview */

/**
 * A value of the preview as a steward reads it: dates as dd/mm/yyyy, a sex or a marital status in words.
 * @param {string} field
 * @param {string | null} value
 */
function previewValue(field, value) {
  if (value === null) return '—';
  if (field.startsWith('date_of_')) return dateText(value);
  if (field === 'sex') return valueLabel('sexes', value);
  if (field === 'marital_status') return valueLabel('detailCodes', value);
  return value;
}

/**
 * Why the evidence is against the merge, each reason in the chosen language: two people's IDs and
 * birth years, or the never_link rule that holds for the pair (twins), by name and sentence.
 * @param {import('./api.js').MergeEvidence} evidence
 */
function evidenceText(evidence) {
  const reasons = [
    ...(evidence.different_valid_ids && evidence.different_birth_years ? [t('evidenceIdsAndYears')] : []),
    ...(evidence.never_link ? [`${t('neverLinkRule')} «${evidence.never_link.name}»: ${neverLinkSentence(evidence.never_link)}`] : []),
  ];
  return `${t('evidenceAgainst')}: ${reasons.join(' · ')}`;
}

/**
 * The merged record, field by field: each side's value, the value kept, whose it is and the rule that chose it.
 * @param {MergePreview} result
 */
function previewTable({ preview, evidence }) {
  return h(
    'div',
    { id: 'merge-preview' },
    evidence.against
      ? h(
          'p',
          { className: 'error', id: 'merge-evidence', role: 'alert', ...(evidence.never_link ? { 'data-rule': evidence.never_link.name } : {}) },
          evidenceText(evidence),
        )
      : null,
    h(
      'table',
      { className: 'compare' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          [
            t('field'),
            `${t('mergeSurvivor')} ${preview.survivor_id}`,
            `${t('mergeMerged')} ${preview.merged_id}`,
            t('survivingValue'),
            t('fromCitizen'),
            t('whyChosen'),
          ].map((label) => h('th', {}, label)),
        ),
      ),
      h(
        'tbody',
        {},
        preview.fields.map((f) =>
          h(
            'tr',
            { 'data-field': f.field },
            h('th', { scope: 'row' }, t(f.field)),
            h('td', {}, previewValue(f.field, f.survivor_value)),
            h('td', {}, previewValue(f.field, f.merged_value)),
            h('td', { className: 'kept' }, previewValue(f.field, f.value)),
            h('td', {}, f.from === 'survivor' ? preview.survivor_id : f.from === 'merged' ? preview.merged_id : '—'),
            h('td', { className: 'rule' }, f.rule ? ruleLabel(f.rule) : '—'),
          ),
        ),
      ),
    ),
  );
}

/**
 * @param {{ view: CaseView, people: { citizen_id: string }[], selected: number, user: User, mayDecide: boolean,
 *   comment: HTMLTextAreaElement, status: HTMLElement, refresh: () => Promise<unknown>, publish: (decide: (comment: string) => Promise<import('./api.js').DecisionAccepted>) => Promise<void> }} context
 * @returns {HTMLElement | null}
 */
export function mergeSection({ view, people, selected, user, mayDecide, comment, status, refresh, publish }) {
  const caseId = view.case.case_id;
  const waiting = view.merge_proposals.find((p) => p.status === 'PROPOSED');
  const past = view.merge_proposals.filter((p) => p.status !== 'PROPOSED');
  const isSteward = user.role !== 'viewer';
  const previewBox = h('div', {});
  /** @param {string} survivorId @param {string} mergedId */
  const showPreview = async (survivorId, mergedId) => {
    try {
      const result = await api.mergePreview(caseId, survivorId, mergedId);
      previewBox.replaceChildren(previewTable(result));
      return result;
    } catch (error) {
      previewBox.replaceChildren(h('p', { className: 'error' }, errorText(error)));
      return null;
    }
  };
  /** @param {() => Promise<unknown>} act */
  const withComment = async (act) => {
    if (comment.value.trim() === '') {
      status.textContent = t('commentNeeded');
      comment.focus();
      return;
    }
    try {
      await act();
      await refresh();
    } catch (error) {
      status.textContent = errorText(error);
    }
  };

  /** @type {HTMLElement[]} */
  const parts = [];
  if (waiting) {
    void showPreview(waiting.survivor_id, waiting.merged_id);
    const mayApprove = isSteward && waiting.proposed_by !== user.username && view.case.status !== 'DECIDED';
    parts.push(
      h(
        'div',
        { id: 'merge-waiting', 'data-proposal': waiting.proposal_id },
        h('p', {}, `${waiting.merged_id} → ${waiting.survivor_id} (${t('survivor')}) · ${t('proposedBy')} ${waiting.proposed_by} · ${t('awaitingApproval')}`),
        h('div', { className: 'sub' }, waiting.comment),
        waiting.override_reason ? h('div', { className: 'sub' }, `${t('overrideReason')}: ${waiting.override_reason}`) : null,
        mayApprove
          ? h('button', { id: 'approve-merge', onclick: () => publish((text) => api.approveMerge(caseId, waiting.proposal_id, text)) }, t('approveMerge'))
          : null,
        isSteward
          ? h(
              'button',
              { id: 'reject-merge', onclick: () => withComment(() => api.rejectMerge(caseId, waiting.proposal_id, comment.value.trim())) },
              t('rejectProposal'),
            )
          : null,
      ),
    );
  } else if (view.allowed_actions.includes('MERGE') && mayDecide && people.length > 1) {
    /** @param {string} id @param {number} chosen */
    const select = (id, chosen) =>
      h(
        'select',
        { id },
        people.map((p, i) => h('option', { value: p.citizen_id, selected: i === chosen }, `${i + 1}. ${p.citizen_id}`)),
      );
    const survivor = select('merge-survivor', selected);
    const merged = select('merge-merged', selected === 0 ? 1 : 0);
    const override = h('textarea', { id: 'merge-override', rows: 2, placeholder: t('overrideReason'), hidden: true });
    const preview = async () => {
      const result = await showPreview(survivor.value, merged.value);
      override.hidden = !(result?.evidence.against && (user.role === 'supervisor' || user.role === 'admin'));
    };
    parts.push(
      h(
        'div',
        { className: 'merge-form' },
        h('label', {}, `${t('mergeSurvivor')} `, survivor),
        h('label', {}, ` ${t('mergeMerged')} `, merged),
        h('button', { id: 'merge-preview-button', onclick: preview }, t('mergePreview')),
        override,
        h(
          'button',
          {
            id: 'merge-propose',
            onclick: () =>
              withComment(() =>
                api
                  .proposeMerge(caseId, {
                    survivorId: survivor.value,
                    mergedId: merged.value,
                    comment: comment.value.trim(),
                    ...(override.value.trim() ? { overrideReason: override.value.trim() } : {}),
                  })
                  .catch((/** @type {{ code?: string }} */ error) => {
                    // The refusal says the evidence is against; the preview says which evidence (a never_link rule by name).
                    if (error.code === 'MERGE_EVIDENCE_AGAINST') void preview();
                    throw error;
                  }),
              ),
          },
          t('proposeMerge'),
        ),
      ),
    );
  }
  if (parts.length === 0 && past.length === 0) return null;
  return h(
    'section',
    { id: 'merge' },
    h('h2', {}, t('mergeProposals')),
    parts,
    previewBox,
    past.length > 0
      ? h(
          'ul',
          { id: 'merge-history' },
          past.map((p) =>
            h(
              'li',
              { 'data-proposal': p.proposal_id },
              `${p.merged_id} → ${p.survivor_id} · ${t('proposedBy')} ${p.proposed_by} · ${p.status === 'APPROVED' ? t('proposalApproved') : t('proposalRejected')} (${p.reviewed_by ?? ''})`,
            ),
          ),
        )
      : null,
  );
}
