// @ts-check
// Bulk decisions from the queue: the steward filters the queue down to cases that share a cause
// (a source, a facility, a reason), ticks them, and applies one decision with one comment; the
// batch is undone with one undo. Supervisors assign the ticked cases from the same panel.
import { api } from './api.js';
import { dateTimeText, errorText, t, valueLabel } from './i18n.js';
import { h } from './dom.js';

const BULK_ACTIONS = ['REJECT', 'NEW', 'DISTINCT'];

/** The batch this tab applied last: the queue shows it (and its undo) after refreshing. */
/** @type {number | null} */
let lastBatch = null;

/**
 * Waits until the store has applied (or refused) every decision of a batch, or every undo of it.
 * @param {number} batchId
 * @param {(batch: import('./api.js').BatchState) => boolean} settled
 */
async function waitBatch(batchId, settled, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await api.batch(batchId);
    if (settled(batch) || Date.now() > deadline) return batch;
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
}

/**
 * Skipped cases by why, in words: "#12, #14: Another steward holds this case."
 * @param {import('./api.js').Skipped[]} skipped
 */
function skippedText(skipped) {
  /** @type {Map<string, number[]>} */
  const byCode = new Map();
  for (const s of skipped) byCode.set(s.code, [...(byCode.get(s.code) ?? []), s.case_id]);
  return [...byCode].map(([code, ids]) => `${ids.map((id) => `#${id}`).join(', ')}: ${errorText({ code })}`);
}

/**
 * A batch: what it decided, how far the store has applied it, and its undo (for its steward or a supervisor).
 * @param {import('./api.js').BatchState} batch
 * @param {() => void} refresh
 */
export function batchSummary(batch, refresh) {
  const status = h('span', { className: 'sub batch-status', role: 'status' });
  const comment = h('textarea', { rows: 1, className: 'undo-comment', placeholder: t('comment') });
  const undo = async () => {
    if (comment.value.trim() === '') {
      status.textContent = t('commentNeeded');
      return;
    }
    status.textContent = t('waiting');
    try {
      await api.undoBatch(batch.batch_id, comment.value.trim());
      await waitBatch(batch.batch_id, (b) => b.undos_pending === 0);
      refresh();
    } catch (error) {
      status.textContent = errorText(error);
    }
  };
  const progress = batch.pending > 0 ? t('waiting') : `${t('applied')}: ${batch.applied}${batch.refused ? ` · ${t('refused')}: ${batch.refused}` : ''}`;
  return h(
    'div',
    { className: 'batch', 'data-batch': batch.batch_id },
    h('strong', {}, `${t('batch')} #${batch.batch_id}: ${valueLabel('actions', batch.action)}`),
    ` · ${batch.cases} ${t('total')} · ${progress} · ${batch.actor} · ${dateTimeText(batch.created_at)}`,
    batch.undone_at ? h('span', { className: 'undone' }, ` · ${t('undone')} (${batch.undone_by})`) : null,
    h('div', { className: 'sub' }, batch.comment),
    batch.may_undo && batch.pending === 0
      ? h('div', { className: 'undo-batch' }, comment, h('button', { className: 'undo', onclick: undo }, t('undoBatch')))
      : null,
    status,
  );
}

/**
 * @param {{ user: import('./api.js').User, chosen: Set<number>, shown: number, total: number, filter: import('./api.js').CaseFilter, refresh: () => void }} options
 * @returns {{ element: HTMLElement, update: () => void }}
 */
export function bulkPanel({ user, chosen, shown, total, filter, refresh }) {
  const count = h('p', { id: 'bulk-count' });
  const action = h(
    'select',
    { id: 'bulk-action' },
    BULK_ACTIONS.map((a) => h('option', { value: a }, valueLabel('actions', a))),
  );
  const comment = h('textarea', { id: 'bulk-comment', rows: 2, placeholder: t('comment') });
  const status = h('p', { id: 'bulk-status', role: 'status' });
  const result = h('div', { id: 'bulk-result' });
  const apply = h('button', { id: 'bulk-apply', disabled: true }, t('bulkApply'));
  // What selected the cases, kept with the batch: the filter's codes and names, no personal data.
  const selection = Object.fromEntries(
    Object.entries(filter)
      .filter(([, v]) => v !== '' && v !== undefined && v !== null)
      .map(([k, v]) => [k, String(v)]),
  );
  const applyBatch = async () => {
    if (comment.value.trim() === '') {
      status.textContent = t('commentNeeded');
      return;
    }
    status.textContent = t('waiting');
    try {
      const outcome = await api.bulkDecide([...chosen], action.value, comment.value.trim(), selection);
      lastBatch = outcome.batch_id;
      status.replaceChildren(
        `${t('bulkDecided')}: ${outcome.done.length}`,
        ...skippedText(outcome.skipped).map((line) => h('div', { className: 'sub' }, line)),
      );
      if (outcome.batch_id !== null) {
        await waitBatch(outcome.batch_id, (b) => b.pending === 0);
        refresh();
      }
    } catch (error) {
      status.textContent = errorText(error);
    }
  };
  apply.addEventListener('click', () => void applyBatch());
  const supervisor = user.role === 'supervisor' || user.role === 'admin';
  const assignTo = h('select', { id: 'assign-to' }, h('option', { value: '' }, t('chooseAssignee')));
  const assign = h('button', { id: 'assign', disabled: true }, t('assign'));
  const assignChosen = async () => {
    const [kind, name] = assignTo.value.split(':');
    if (!kind) return;
    try {
      await api.assign([...chosen], kind === 'user' ? { username: name } : kind === 'team' ? { team: name } : {});
      refresh();
    } catch (error) {
      status.textContent = errorText(error);
    }
  };
  assign.addEventListener('click', () => void assignChosen());
  if (supervisor)
    void api.teams().then(({ stewards, teams }) => {
      assignTo.append(
        ...stewards.map((u) => h('option', { value: `user:${u}` }, u)),
        ...teams.map(({ team }) => h('option', { value: `team:${team}` }, `${t('team')} ${team}`)),
        h('option', { value: 'rules' }, t('backToRules')),
      );
    });
  if (lastBatch !== null)
    void api.batch(lastBatch).then(
      (batch) => result.replaceChildren(batchSummary(batch, refresh)),
      () => undefined,
    );
  const update = () => {
    count.textContent = `${t('chosen')}: ${chosen.size} / ${shown}${total > shown ? ` (${t('matching')}: ${total})` : ''}`;
    apply.disabled = chosen.size === 0;
    assign.disabled = chosen.size === 0;
  };
  update();
  const element = h(
    'section',
    { className: 'bulk', id: 'bulk' },
    h('h2', {}, t('bulkTitle')),
    count,
    h('div', { className: 'buttons' }, h('label', {}, t('bulkAction'), ' ', action), apply),
    comment,
    supervisor ? h('div', { className: 'buttons' }, h('label', {}, t('assignTo'), ' ', assignTo), assign) : null,
    status,
    result,
  );
  return { element, update };
}
