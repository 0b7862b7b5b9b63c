import type { LinkageSettings } from '../linkage/settings.js';
import type { PersonObservation } from '../schemas/records.js';
import type { PoolClient } from './db.js';
import type { Classified } from './plan/classify.js';
import type { WaitingInReach } from './plan/loaded-state.js';
import { REGISTRATION_CLOCK_MARGIN_MS } from './plan/new-citizen.js';
import { idRules, MAX_RELINK_ATTEMPTS, withTypoVariants, type BlockingKey, type KeyLock } from './plan/record-keys.js';
import { probeRows, recentPairs, registeredSinceBound, type ProbeRow, type RecentCitizen, type RecentPair } from './plan/recent-registrations.js';
import { SETTINGS_RELINKS } from './settings-tables.js';

/**
 * A citizen committed after the linker read its candidates was invisible to it: one created later
 * than the decision time, less this margin for the two clocks (linker process, database), may be
 * the record's person.
 */
const CLOCK_MARGIN_S = REGISTRATION_CLOCK_MARGIN_MS / 1000;

/** Shares the personal ID key or two blocking keys (plan/record-keys.ts says why), in SQL. */
const enoughSharedKeys = (idRulesParam: string) => `count(*) >= 2 or bool_or(k.rule = any(${idRulesParam}::text[]))`;

/**
 * The store's own send-backs of a stored record: its attempts less those a settings change or a
 * change of the register sent it at (settings_relinks names each). Those have their own
 * accounting, so a record in reach of many changes keeps the store's budget for its own citizen.
 */
const storeAttempts = (observationId: string, attempt: string) =>
  `(${attempt} - (select count(*) from ${SETTINGS_RELINKS.name} s where s.observation_id = ${observationId}))`;

/**
 * Takes, until the transaction ends, a lock on every blocking key of the chunk's records that
 * may create a citizen or wait unlinked. A new citizen and a record waiting for them share a
 * key, so the transaction that writes second waits for the first to commit and then sees it:
 * without this, a birth and its newborn's vaccination applied at the same moment on two
 * partitions each missed the other, and the vaccination waited unlinked for good. A record that
 * may only wait takes its keys shared: two such records have nothing to see of each other, and
 * the keys of the last weeks' births (a common family name and a birth day) are on many of them
 * at once. A key held both ways in the chunk is taken once, exclusively. All keys in one sorted
 * statement, so two chunks never wait on each other in a circle.
 */
export async function takeKeyLocks(client: PoolClient, locks: readonly KeyLock[]): Promise<void> {
  if (locks.length === 0) return;
  await client.query(
    `select case when exclusive then pg_advisory_xact_lock(h) else pg_advisory_xact_lock_shared(h) end
       from (select hashtextextended(k, 0) as h, bool_or(e) as exclusive from unnest($1::text[], $2::boolean[]) as t(k, e) group by 1 order by 1) as locks`,
    [locks.map((l) => l.key), locks.map((l) => l.exclusive)],
  );
}

/** Takes these locks (a source record's, a new citizen's keys) exclusively: takeKeyLocks. */
export async function lockKeys(client: PoolClient, keys: readonly string[]): Promise<void> {
  await takeKeyLocks(
    client,
    keys.map((key) => ({ key, exclusive: true })),
  );
}

/**
 * The chunk's records that a citizen a source registered, or whose identity changed, since the
 * record was decided (less the clock margin) shares enough keys with (a typo variant of the
 * record's ID counting as its ID: plan/record-keys.ts): the linker could not see that citizen as
 * they are. The plan decides which go back (not a citizen among the decision's candidates unless
 * changed after it, attempts left). A change of identity is seen here because the transaction
 * that makes it holds the citizen's new keys exclusively first (register-reexamination.ts), as a
 * birth's chunk holds the newborn's: a record kept waiting on one of those keys is applied before
 * it (and found by the change's re-examination) or after it (and finds it here).
 *
 * Looked up through the records' keys, that reads every holder of every key and of every typo
 * variant of their IDs (about 60 keys a record, 500 index pages), to keep the few registered in
 * the last seconds. So the citizens registered or changed since the oldest decision are read
 * first, through migration 033's and 034's indexes, and their keys compared here
 * (plan/recent-registrations.ts), unless there are more of them than keys to look up (a store far
 * behind): then through the keys, in one query. The choice is made here, on a count, because the
 * planner cannot make it: its statistics never hold the last seconds' registrations, and it took
 * them for one row.
 */
export async function recentCitizensInReach(
  client: PoolClient,
  settings: LinkageSettings,
  probes: Classified['reachProbes'],
): Promise<{ pairs: RecentPair[]; roundTrips: number }> {
  const rows = probeRows(settings, probes);
  if (rows.length === 0) return { pairs: [], roundTrips: 0 };
  const since = await changedSince(client, settings, registeredSinceBound(rows), rows.length);
  if (since.citizens !== null) return { pairs: recentPairs(settings, rows, since.citizens), roundTrips: since.roundTrips };
  const { rows: pairs } = await client.query<RecentPair>(THROUGH_KEYS_QUERY, throughKeysParameters(settings, rows));
  return { pairs, roundTrips: since.roundTrips + 1 };
}

/**
 * The citizens a source registered, and those whose identity changed, after `sinceMs`, with the
 * keys of the settings' blocking rules they hold (the only ones a record is looked up under); null
 * when there are more of either than `atMost` (read no further than one over). Two statements, so
 * two snapshots: a citizen merged in between is paired by the keys it still holds at the second.
 */
export async function changedSince(
  client: PoolClient,
  settings: LinkageSettings,
  sinceMs: number,
  atMost: number,
): Promise<{ citizens: RecentCitizen[] | null; roundTrips: number }> {
  const { rows } = await client.query<{ citizen_id: string; changed_at: number; corrected: boolean }>(
    `(select citizen_id, extract(epoch from created_at) * 1000 as changed_at, false as corrected from citizens
       where origin like 'source:%' and created_at > to_timestamp($1 / 1000.0) order by created_at limit $2)
     union all
     (select citizen_id, extract(epoch from identity_changed_at) * 1000, true from citizens
       where identity_changed_at > to_timestamp($1 / 1000.0) order by identity_changed_at limit $2)`,
    [sinceMs, atMost + 1],
  );
  if (rows.filter((r) => r.corrected).length > atMost || rows.filter((r) => !r.corrected).length > atMost) return { citizens: null, roundTrips: 1 };
  if (rows.length === 0) return { citizens: [], roundTrips: 1 };
  // Registered and changed since: the change is the later, and the one that matters.
  const latest = new Map<string, { changed_at: number; corrected: boolean }>();
  for (const r of rows) if (!latest.get(r.citizen_id)?.corrected) latest.set(r.citizen_id, { changed_at: Number(r.changed_at), corrected: r.corrected });
  const { rows: keys } = await client.query<BlockingKey & { citizen_id: string }>(
    'select citizen_id, rule, key from citizen_blocking_keys where citizen_id = any($1::text[]) and rule = any($2::text[])',
    [[...latest.keys()], settings.blocking_rules.map((rule) => rule.name)],
  );
  const keysOf = new Map<string, BlockingKey[]>([...latest.keys()].map((id) => [id, []]));
  for (const k of keys) keysOf.get(k.citizen_id)?.push({ rule: k.rule, key: k.key });
  return {
    citizens: [...latest].map(([citizenId, change]) => ({ citizen_id: citizenId, ...change, keys: keysOf.get(citizenId) ?? [] })),
    roundTrips: 2,
  };
}

/**
 * The same pairs as recentPairs, found through the records' keys: for a store far behind, when
 * more citizens were registered or changed since than there are keys to look up. The origin is
 * tested with starts_with, not like, so that migration 033's index, whose predicate the planner
 * can then not prove, never drives the query: with statistics older than the day's registrations
 * it took them for one row and looked every key up again for each (4.4 million buffers a run in
 * bench:pipeline).
 */
export const THROUGH_KEYS_QUERY = `select t.observation as observation_id, k.citizen_id,
            bool_or(coalesce(c.identity_changed_at > to_timestamp(t.decided / 1000.0), false)) as corrected
       from citizen_blocking_keys k join citizens c using (citizen_id)
       join unnest($1::text[], $2::text[], $3::text[], $4::float8[]) as t(rule, key, observation, decided) on k.rule = t.rule and k.key = t.key
      where (starts_with(c.origin, 'source:') and c.created_at > to_timestamp(t.decided / 1000.0) - make_interval(secs => $5))
         or c.identity_changed_at > to_timestamp(t.decided / 1000.0) - make_interval(secs => $5)
      group by t.observation, k.citizen_id having ${enoughSharedKeys('$6')}`;

/** THROUGH_KEYS_QUERY's parameters for the chunk's probe rows. */
export function throughKeysParameters(settings: LinkageSettings, rows: readonly ProbeRow[]): unknown[] {
  return [rows.map((r) => r.rule), rows.map((r) => r.key), rows.map((r) => r.observation), rows.map((r) => r.decided), CLOCK_MARGIN_S, idRules(settings)];
}

/**
 * Records waiting unlinked, and records in an open review case no steward has taken, that share
 * the personal-ID key (or a typo variant of it) or two blocking keys with a citizen the chunk may register: if it does,
 * they go back to the linker, which decides again with that citizen in sight. A case a steward
 * has claimed or decided is the steward's: it is not looked at again.
 */
export async function waitingInReach(
  client: PoolClient,
  settings: LinkageSettings,
  births: readonly { row: { citizen_id: string }; keys: readonly BlockingKey[] }[],
): Promise<WaitingInReach[]> {
  const keys = births.flatMap((b) => withTypoVariants(settings, b.keys, 'citizen').map((k) => ({ ...k, citizen: b.row.citizen_id })));
  if (keys.length === 0) return [];
  const params = [keys.map((k) => k.rule), keys.map((k) => k.key), keys.map((k) => k.citizen), MAX_RELINK_ATTEMPTS, idRules(settings)];
  const inReach = (table: string) =>
    `select k.observation_id, t.citizen from ${table} k join unnest($1::text[], $2::text[], $3::text[]) as t(rule, key, citizen) on k.rule = t.rule and k.key = t.key
      group by k.observation_id, t.citizen having ${enoughSharedKeys('$5')}`;
  // A case's record was decided at some attempt (a waiting record may have gone to review); its next look comes after both that and the case's earlier looks.
  const { rows } = await client.query<{ observation: PersonObservation; attempt: number; citizen_id: string; in_review: boolean }>(
    `select u.observation, u.attempt, r.citizen as citizen_id, false as in_review from unlinked_records u join (${inReach('unlinked_keys')}) r using (observation_id)
      where u.resolved_at is null and ${storeAttempts('u.observation_id', 'u.attempt')} < $4
     union all
     select c.observation, greatest(c.rechecks, (c.observation->>'attempt')::int), r.citizen, true from review_cases c join (${inReach('review_case_keys')}) r using (observation_id)
      where c.status = 'OPEN' and ${storeAttempts('c.observation_id', "greatest(c.rechecks, (c.observation->>'attempt')::int)")} < $4`,
    params,
  );
  return rows.map((row) => ({
    observation: row.observation,
    attempt: row.attempt,
    citizen_id: row.citizen_id,
    table: row.in_review ? 'review_cases' : 'unlinked_records',
  }));
}
