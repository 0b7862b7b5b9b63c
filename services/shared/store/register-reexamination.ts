import { performance } from 'node:perf_hooks';
import type { LinkageSettings } from '../linkage/settings.js';
import type { PoolClient } from './db.js';
import type { PlanContext } from './plan/loaded-state.js';
import {
  changedIdentityLocks,
  changesOfExistingCitizens,
  DEFAULT_MAX_RECORDS_PER_TRANSACTION,
  indexedReachSettings,
  keyedChanges,
  planReexaminations,
  type PickedRecord,
  type ReexaminationPlan,
  type ReexaminationTrigger,
  type RegisterChange,
} from './plan/reexamination.js';
import { REGISTER_REEXAMINATIONS } from './reexamination-tables.js';
import { reexaminationReach, SENT_IN_TRANSACTION, SENT_OBSERVATIONS_IN_TRANSACTION } from './reexamination-reach.js';
import { lockKeys } from './records-in-reach.js';
import { sendBack } from './settings-promotion.js';
import { currentSettingsVersion, settingsOfVersion } from './settings-versions.js';
import { onCitus } from './store-dialect.js';

const ACTOR = 'pipeline:store';

/** What a transaction's re-examinations did, summed over its changes (for the caller's counters and the bench). */
export interface ReexaminationTotals {
  changes: number;
  inReach: number;
  sent: number;
  overBound: number;
  /** Blocking rules of the current version left out of reach: the stored keys were built otherwise (plan/reexamination.ts). */
  rulesNotIndexed: number;
}

/** Settings by version: a version's content never changes, so each is read once per process. */
const settingsByVersion = new Map<string, LinkageSettings>();

/**
 * The settings reach is computed with: the register's current version (a promotion or rollback
 * changes it while the store runs on its own file), the store's own before any version is
 * current (no linker has started on this register yet); in either case only with the blocking
 * rules the stored keys were built with (the store writes them with its own settings), the others
 * named.
 */
async function reachSettings(client: PoolClient, own: LinkageSettings): Promise<{ settings: LinkageSettings; notIndexed: string[] }> {
  const version = await currentSettingsVersion(client);
  if (version === null) return { settings: own, notIndexed: [] };
  let settings = settingsByVersion.get(version);
  if (!settings) {
    settings = await settingsOfVersion(client, version);
    settingsByVersion.set(version, settings);
  }
  return indexedReachSettings(settings, own);
}

/** SQL that appends the JSON array in parameter `ids` to the transaction-local list named by parameter `name` (both `$n`). */
function appendToSentList(name: string, ids: string): string {
  return `set_config(${name}, (coalesce(nullif(current_setting(${name}, true), ''), '[]')::jsonb || ${ids}::jsonb)::text, true)`;
}

/**
 * Records this transaction settles itself (the record a steward's decision takes off a citizen or
 * moves): the changes of the register it makes next do not send them back, as they send no record
 * twice (reexamination-reach.ts reads the same transaction-local list). Their case is still open
 * until the decision ends, so without this the reach found the record the steward had just decided.
 */
export async function settledInTransaction(client: PoolClient, observationIds: readonly string[]): Promise<void> {
  await client.query(`select ${appendToSentList('$1', '$2')}`, [SENT_OBSERVATIONS_IN_TRANSACTION, JSON.stringify(observationIds)]);
}

/**
 * After a transaction changed citizens' identities (registered them, corrected their name, date
 * of birth or sex, merged another citizen into them or undid that, took a record off them), and
 * in it: the records in reach of the changes go back to the linker through the settings
 * promotion's send-back, so the linker decides them afresh and the store applies the promotion's
 * rules (a link never moves by itself; a waiting or reviewed record links when the decision is a
 * clear link; a steward's decision stands). Reach is computed with the register's current
 * settings version. At most `maxRecordsPerTransaction` records per transaction, however many
 * changes or calls it makes (the count so far lives in a transaction-local setting), picked
 * fairly (reexamination-reach.ts). Each change that had anything in reach (or whose reach left out rules the stored keys lack) is a
 * register_reexaminations row with its work and a LINKS_REEXAMINED audit entry; all of a call's
 * rows, send-backs and audit entries are written in one set of statements.
 *
 * A record decided while the change was not committed, and kept waiting at the same moment, is
 * seen either way: the changed citizens' new keys are locked exclusively first
 * (plan/reexamination.ts, changedIdentityLocks), and the citizens stamped last.
 *
 * `heldSentAlreadyFor`: a chunk of decisions sends the records waiting for the citizens it
 * registers back itself (plan-decisions.ts, relinkWaiting), so a CREATED change there looks at
 * linked records only.
 */
export async function reexamineAfterChanges(
  client: PoolClient,
  context: PlanContext,
  changes: readonly RegisterChange[],
  options: { heldSentAlreadyFor?: ReadonlySet<ReexaminationTrigger> } = {},
): Promise<ReexaminationTotals> {
  if (changes.length === 0) return { changes: 0, inReach: 0, sent: 0, overBound: 0, rulesNotIndexed: 0 };
  // Before the reach is read, which then sees every record kept waiting on the changed citizens' keys.
  await lockKeys(client, changedIdentityLocks(context.settings, changes));
  const totals = await reexamineReach(client, context, changes, options);
  await stampIdentityChanged(client, changes);
  return totals;
}

/**
 * The changed citizens (but those registered: their registration's time says it) stamped with
 * the time their identity changed (migration 034), for the records decided before and kept
 * waiting after (records-in-reach.ts, recentCitizensInReach). Last of the transaction's
 * statements here, so that the time is as near its commit as it can be: a decision made after
 * the stamp saw the change unless it was made before the commit (plan/recent-registrations.ts,
 * RecentPair.corrected, says what that leaves out). Its own statement, not part of the chunk's
 * update of the citizens: Citus takes no function but an immutable one in a CASE.
 */
async function stampIdentityChanged(client: PoolClient, changes: readonly RegisterChange[]): Promise<void> {
  const ids = changesOfExistingCitizens(changes).map((change) => change.citizenId);
  if (ids.length === 0) return;
  await client.query('update citizens set identity_changed_at = statement_timestamp() where citizen_id = any($1::text[])', [ids]);
}

/** reexamineAfterChanges's reach: read, planned, sent, recorded. */
async function reexamineReach(
  client: PoolClient,
  context: PlanContext,
  changes: readonly RegisterChange[],
  options: { heldSentAlreadyFor?: ReadonlySet<ReexaminationTrigger> },
): Promise<ReexaminationTotals> {
  const totals: ReexaminationTotals = { changes: changes.length, inReach: 0, sent: 0, overBound: 0, rulesNotIndexed: 0 };
  const started = performance.now();
  const { settings, notIndexed } = await reachSettings(client, context.settings);
  totals.rulesNotIndexed = notIndexed.length;
  const keyed = keyedChanges(settings, changes);
  const heldFor = new Set(changes.filter((c) => !options.heldSentAlreadyFor?.has(c.trigger)).map((c) => c.citizenId));
  const max = context.maxRecordsPerTransaction ?? DEFAULT_MAX_RECORDS_PER_TRANSACTION;
  const reach = await reexaminationReach(client, settings, keyed, heldFor, max);
  const planned = planReexaminations(settings, keyed, reach.counts, reach.picked, Math.max(0, max - reach.sentBefore));
  await stampReexamined(
    client,
    planned.flatMap((plan) => plan.outOfOwnReach),
  );
  // A change with nothing in reach writes no row, even when rules were left out of reach: every birth
  // would otherwise write one while the store and the current version disagree. The rows written
  // carry the count of rules left out.
  const plans = planned.filter((p) => p.inReach > 0);
  if (plans.length === 0) return totals;
  const readMillis = performance.now() - started;
  const ids = await recordReexaminations(client, plans, readMillis / plans.length, notIndexed.length);
  const sends = plans.flatMap((plan, i) => plan.send.map((record) => ({ record, id: ids[i]! })));
  const began = performance.now();
  await sendBack(
    client,
    sends.map((s) => s.record.observation),
    context.topics.observations,
    { reexaminationIds: sends.map((s) => s.id) },
  );
  await stampReexamined(
    client,
    sends.map((s) => s.record),
  );
  await client.query(
    `insert into audit_log (actor, action, citizen_id, details) select $1, 'LINKS_REEXAMINED', t.citizen, t.details from unnest($2::text[], $3::jsonb[]) as t(citizen, details)`,
    [
      ACTOR,
      plans.map((p) => p.change.citizenId),
      plans.map((p, i) =>
        JSON.stringify({
          reexamination_id: ids[i],
          trigger: p.change.trigger,
          in_reach: p.inReach,
          sent: p.send.length,
          over_bound: p.overBound,
          steward_held: p.stewardHeld,
          unstored: p.unstored,
          ...(notIndexed.length > 0 ? { rules_not_indexed: notIndexed } : {}),
        }),
      ),
    ],
  );
  for (const plan of plans) {
    totals.inReach += plan.inReach;
    totals.sent += plan.send.length;
    totals.overBound += plan.overBound;
  }
  // The sends are shared by the call's changes too: each is charged its part; the count so far is the transaction's.
  await client.query(
    `update ${REGISTER_REEXAMINATIONS.name} set millis = millis + $2
       from (select set_config($3, $4, true), ${appendToSentList('$5', '$6')}) as counted
      where id = any($1::bigint[])`,
    [
      ids,
      (performance.now() - began) / plans.length,
      SENT_IN_TRANSACTION,
      String(reach.sentBefore + totals.sent),
      SENT_OBSERVATIONS_IN_TRANSACTION,
      JSON.stringify(sends.map((s) => s.record.observation.observation_id)),
    ],
  );
  return totals;
}

/**
 * The linked records among those looked at get their re-examination's time: the least recently
 * re-examined are picked first next time. Each is another citizen's row, which the transaction
 * has not locked: it is stamped only while it is still linked to the citizen it was read with
 * (what was looked at), and only when it can be locked at once, in record order. A link another
 * transaction holds (a chunk changing its citizen, another re-examination stamping it) is left
 * as it is: the stamp is a hint for fairness, and waiting for it put the transaction in a circle
 * with any that held such a row and waited for one of its citizens, or stamped the same rows in
 * another order. On Citus a query of many shards takes no row lock (merge-moves.ts): there the
 * stamp is one update, as before, on links still held by the citizen they were read with.
 */
async function stampReexamined(client: PoolClient, records: readonly PickedRecord[]): Promise<void> {
  const linked = records.filter((r) => r.table === 'record_links' && r.linkedTo !== undefined);
  if (linked.length === 0) return;
  const params = [
    linked.map((r) => r.observation.source),
    linked.map((r) => r.observation.source_system),
    linked.map((r) => r.observation.source_record_id),
    linked.map((r) => r.linkedTo!),
  ];
  const looked = `unnest($1::text[], $2::text[], $3::text[], $4::text[]) as t(source, system, record, citizen)`;
  if (await onCitus(client)) {
    await client.query(
      `update record_links l set reexamined_at = now() from ${looked}
        where l.source = t.source and l.source_system = t.system and l.source_record_id = t.record and l.citizen_id = t.citizen`,
      params,
    );
    return;
  }
  await client.query(
    `update record_links l set reexamined_at = now()
       from (select k.source, k.source_system, k.source_record_id from record_links k
               join ${looked} on k.source = t.source and k.source_system = t.system and k.source_record_id = t.record and k.citizen_id = t.citizen
              order by k.source, k.source_system, k.source_record_id for update of k skip locked) as f
      where l.source = f.source and l.source_system = f.source_system and l.source_record_id = f.source_record_id`,
    params,
  );
}

const COUNTED = ['trigger', 'citizen_id', 'in_reach', 'sent', 'over_bound', 'steward_held', 'unstored', 'millis', 'rules_not_indexed'] as const;

/** One row per change that had anything in reach, in one statement; their ids in the plans' order. */
async function recordReexaminations(client: PoolClient, plans: readonly ReexaminationPlan[], millis: number, rulesNotIndexed: number): Promise<number[]> {
  const { rows } = await client.query<{ id: string; ord: string }>(
    `with rows as (
       select * from unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::int[], $6::int[], $7::int[]) with ordinality
         as t(trigger, citizen_id, in_reach, sent, over_bound, steward_held, unstored, ord)),
     inserted as (
       insert into ${REGISTER_REEXAMINATIONS.name} (${REGISTER_REEXAMINATIONS.list(COUNTED)})
       select trigger, citizen_id, in_reach, sent, over_bound, steward_held, unstored, $8, $9 from rows order by ord returning id, citizen_id)
     select i.id, r.ord from inserted i join rows r using (citizen_id)`,
    [
      plans.map((p) => p.change.trigger),
      plans.map((p) => p.change.citizenId),
      plans.map((p) => p.inReach),
      plans.map((p) => p.send.length),
      plans.map((p) => p.overBound),
      plans.map((p) => p.stewardHeld),
      plans.map((p) => p.unstored),
      millis,
      rulesNotIndexed,
    ],
  );
  const byOrder = new Map(rows.map((row) => [Number(row.ord), Number(row.id)]));
  return plans.map((_, i) => byOrder.get(i + 1)!);
}
