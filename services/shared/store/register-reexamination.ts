import { performance } from 'node:perf_hooks';
import { appendAudit } from './audit-log.js';
import type { PoolClient } from './db.js';
import type { PlanContext } from './plan/loaded-state.js';
import { idRules } from './plan/record-keys.js';
import { DEFAULT_MAX_RECORDS_PER_CHANGE, planReexamination, type LinkedInReach, type ReexaminationPlan, type RegisterChange } from './plan/reexamination.js';
import { REGISTER_REEXAMINATIONS } from './reexamination-tables.js';
import { waitingInReach } from './records-in-reach.js';
import { sendBack } from './settings-promotion.js';

const ACTOR = 'pipeline:store';

/** What a transaction's re-examinations did, summed over its changes (for the caller's counters and the bench). */
export interface ReexaminationTotals {
  changes: number;
  inReach: number;
  sent: number;
  overBound: number;
}

/**
 * Records linked to citizens other than the changed ones who share the personal-ID key or two
 * blocking keys with them, with the observation each link keeps: one query for every change.
 */
async function linkedInReach(client: PoolClient, context: PlanContext, changes: readonly RegisterChange[]): Promise<(LinkedInReach & { changed: string })[]> {
  const keys = changes.flatMap((c) => c.keys.map((k) => ({ ...k, citizen: c.citizenId })));
  if (keys.length === 0) return [];
  const { rows } = await client.query<LinkedInReach & { changed: string }>(
    `select r.changed, l.citizen_id, l.method, l.observation, c.personal_id as linked_personal_id from (
       select t.citizen as changed, k.citizen_id from citizen_blocking_keys k
         join unnest($1::text[], $2::text[], $3::text[]) as t(rule, key, citizen) on k.rule = t.rule and k.key = t.key
        where k.citizen_id <> t.citizen
        group by t.citizen, k.citizen_id having count(*) >= 2 or bool_or(k.rule = any($4::text[]))) r
     join record_links l on l.citizen_id = r.citizen_id join citizens c on c.citizen_id = r.citizen_id`,
    [keys.map((k) => k.rule), keys.map((k) => k.key), keys.map((k) => k.citizen), idRules(context.settings)],
  );
  return rows;
}

/**
 * After a transaction changed citizens' identities (registered them, corrected their name, date
 * of birth or sex, merged another citizen into them), and in it: the records in reach of each
 * change go back to the linker through the settings promotion's send-back, so the linker decides
 * them afresh and the store applies the promotion's rules (a link never moves by itself; a
 * waiting or reviewed record links when the decision is a clear link; a steward's decision
 * stands). Each change that had anything in reach is a register_reexaminations row with its work.
 *
 * `heldSentAlreadyFor`: a chunk of decisions sends the records waiting for the citizens it
 * registers back itself (plan-decisions.ts, relinkWaiting), so a CREATED change there looks at
 * linked records only.
 */
export async function reexamineAfterChanges(
  client: PoolClient,
  context: PlanContext,
  changes: readonly RegisterChange[],
  options: { heldSentAlreadyFor?: ReadonlySet<RegisterChange['trigger']> } = {},
): Promise<ReexaminationTotals> {
  const totals: ReexaminationTotals = { changes: changes.length, inReach: 0, sent: 0, overBound: 0 };
  if (changes.length === 0) return totals;
  const started = performance.now();
  const forHeld = changes.filter((c) => !options.heldSentAlreadyFor?.has(c.trigger));
  const held = await waitingInReach(
    client,
    context.settings,
    forHeld.map((c) => ({ row: { citizen_id: c.citizenId }, keys: c.keys })),
  );
  const linked = await linkedInReach(client, context, changes);
  const max = context.maxRecordsPerChange ?? DEFAULT_MAX_RECORDS_PER_CHANGE;
  const taken = new Set<string>();
  const plans = changes.map((change) =>
    planReexamination(
      context.settings,
      change,
      held,
      linked.filter((l) => l.changed === change.citizenId),
      max,
      taken,
    ),
  );
  const worked = plans.filter((p) => p.inReach > 0);
  if (worked.length === 0) return totals;
  // The reads are shared by the transaction's changes: each is charged its share, the sends its own.
  const readMillis = (performance.now() - started) / changes.length;
  for (const plan of worked) {
    const began = performance.now();
    const id = await recordReexamination(client, plan, 0);
    await sendBack(client, plan.send, context.topics.observations, { reexaminationId: id });
    await appendAudit(client, ACTOR, 'LINKS_REEXAMINED', [plan.change.citizenId], {
      reexamination_id: id,
      trigger: plan.change.trigger,
      in_reach: plan.inReach,
      sent: plan.send.length,
      over_bound: plan.overBound,
      steward_held: plan.stewardHeld,
      unstored: plan.unstored,
    });
    await client.query(`update ${REGISTER_REEXAMINATIONS.name} set millis = $2 where id = $1`, [id, readMillis + performance.now() - began]);
    totals.inReach += plan.inReach;
    totals.sent += plan.send.length;
    totals.overBound += plan.overBound;
  }
  return totals;
}

const COUNTED = ['trigger', 'citizen_id', 'in_reach', 'sent', 'over_bound', 'steward_held', 'unstored', 'millis'] as const;

async function recordReexamination(client: PoolClient, plan: ReexaminationPlan, millis: number): Promise<number> {
  const { rows } = await client.query<{ id: string }>(
    `insert into ${REGISTER_REEXAMINATIONS.name} (${REGISTER_REEXAMINATIONS.list(COUNTED)}) values ($1, $2, $3, $4, $5, $6, $7, $8) returning id`,
    [plan.change.trigger, plan.change.citizenId, plan.inReach, plan.send.length, plan.overBound, plan.stewardHeld, plan.unstored, millis],
  );
  return Number(rows[0]!.id);
}
