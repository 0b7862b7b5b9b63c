import { DancuError } from '../errors.js';
import type { LinkageSettings } from '../linkage/settings.js';
import type { CitizenRow } from '../register/citizen-row.js';
import type { LinkDecision } from '../schemas/records.js';
import { citizenRowColumns } from './citizens-table.js';
import { onCitus } from './store-dialect.js';
import type { PoolClient } from './db.js';
import { PROCESSED_EVENTS } from './decision-tables.js';
import { loadedCitizen, type CitizenState, type StoredClaim } from './plan/citizen-state.js';
import { classify } from './plan/classify.js';
import type { DeletedRecord, LoadedCase, LoadedState, StoredDeletion, StoredFact, WaitingEvent } from './plan/loaded-state.js';
import { newCitizenId } from './plan/new-citizen.js';
import { recordKey, type SourceRecord } from './plan/planned-rows.js';
import { lockKeys, recentCitizensInReach, takeKeyLocks, waitingInReach } from './records-in-reach.js';
import { lockCasesOfRecords } from './review-case.js';
import { sendsByChanges, settingsRelinksOf } from './settings-relinks.js';

/** Round trips the load phase took (for the bench and the cost budget). */
export interface LoadStats {
  roundTrips: number;
}

/** Citizens locked and read, with the merged citizens named and where they went. */
export interface LoadedCitizens {
  citizens: CitizenState[];
  redirects: Map<string, string>;
}

/**
 * Locks and reads citizens (by citizen id or personal ID), in id order so two transactions never
 * wait on each other in a circle, each with its field history. A merged citizen is followed to
 * its survivor (a second read, only then): a decision made before the merge applies to them.
 */
export async function loadCitizens(
  client: PoolClient,
  ids: readonly string[],
  into: LoadedCitizens = { citizens: [], redirects: new Map() },
): Promise<LoadedCitizens & LoadStats> {
  const known = new Set(into.citizens.flatMap((s) => [s.row.citizen_id, s.row.personal_id ?? '']));
  const missing = [...new Set(ids)].filter((id) => !known.has(id) && !into.redirects.has(id));
  if (missing.length === 0) return { ...into, roundTrips: 0 };
  // Citus runs `for update` only on a query of one shard: there the rows are locked first, one
  // shard query each in id order (lock_citizens, citus/distribute.sql), and then read.
  const citus = await onCitus(client);
  if (citus) await client.query('select lock_citizens($1::text[])', [missing]);
  const { rows } = await client.query<CitizenRow & { merged_into: string | null; registered_at: number; history: StoredClaim[] }>(
    `select ${citizenRowColumns('c')}, c.merged_into, extract(epoch from c.created_at) * 1000 as registered_at,
            coalesce((select json_agg(json_build_object('field', p.field, 'value', p.value, 'source', p.source,
                      'event_time', extract(epoch from p.event_time) * 1000, 'observation_id', p.observation_id, 'is_current', p.is_current, 'rule', p.rule))
                        from field_provenance p where p.citizen_id = c.citizen_id), '[]') as history
       from citizens c where c.citizen_id = any($1::text[]) or c.personal_id = any($1::text[])
      order by c.citizen_id${citus ? '' : ' for update of c'}`,
    [missing],
  );
  const survivors: string[] = [];
  for (const { history, merged_into: mergedInto, registered_at: registeredAt, ...row } of rows) {
    if (row.status === 'MERGED' && mergedInto) {
      into.redirects.set(row.citizen_id, mergedInto);
      if (row.personal_id) into.redirects.set(row.personal_id, mergedInto);
      survivors.push(mergedInto);
      continue;
    }
    into.citizens.push(loadedCitizen(row, history, Number(registeredAt)));
  }
  const more = survivors.length > 0 ? await loadCitizens(client, survivors, into) : { roundTrips: 0 };
  return { ...into, roundTrips: 1 + more.roundTrips };
}

/** The decision ids not recorded yet, recorded now: a redelivered decision (or one twice in the chunk) changes nothing. */
async function claimDecisions(client: PoolClient, consumer: string, decisions: readonly LinkDecision[]): Promise<Set<string>> {
  const { rows } = await client.query<{ event_id: string }>(
    `insert into ${PROCESSED_EVENTS.name} (${PROCESSED_EVENTS.list()}) select $1, id from unnest($2::text[]) as id on conflict do nothing returning event_id`,
    [consumer, decisions.map((d) => d.decision_id)],
  );
  return new Set(rows.map((row) => row.event_id));
}

/** alreadyApplied's statement, run once a chunk: both tables are read by an index on the observation (the outcomes' since migration 032). */
export const ALREADY_APPLIED = `select observation_id from observation_outcomes where observation_id = any($1::text[]) and outcome in ('CREATED', 'LINKED')
     union select observation_id from unlinked_records where observation_id = any($1::text[]) and resolution = 'DELETED'`;

/**
 * Observations of later linkage attempts already linked to a citizen, or whose wait a deletion of
 * their record ended. A waiting record can be sent back more than once (when it was kept, and
 * again for each new citizen in reach); the first attempt that links it applies, any later one is
 * a duplicate of it, whatever it decided; and one sent back before its record was deleted is
 * never linked after (plan-decisions.ts, recordDeleted).
 */
async function alreadyApplied(client: PoolClient, observationIds: readonly string[]): Promise<Set<string>> {
  if (observationIds.length === 0) return new Set();
  const { rows } = await client.query<{ observation_id: string }>(ALREADY_APPLIED, [observationIds]);
  return new Set(rows.map((row) => row.observation_id));
}

/** Source records as the three arrays a statement unnests (source, source_system, source_record_id). */
function recordColumns(records: readonly SourceRecord[]): [string[], string[], string[]] {
  return [records.map((r) => r.source), records.map((r) => r.source_system), records.map((r) => r.source_record_id)];
}

/** What the register holds of the chunk's source records, read in one statement (sourceRecordsOf). */
interface ChunkRecords {
  deletedRecords: Map<string, DeletedRecord>;
  recordDeletions: Map<string, StoredDeletion[]>;
}

/**
 * What the register holds of the chunk's source records, in one statement. Of those it deletes:
 * the citizen each is linked to (and when the event its link holds happened), and its events
 * waiting unlinked (the index of migration 028 finds those by their record). The store, not the
 * linker, knows whether a deletion takes a record off a citizen: the linker decides a deletion
 * whose record it finds no link of as any event (plan-decisions.ts, deletion). Of those its other
 * decisions are on: the deletions kept of each (migration 027's index), which an older event of
 * the record, decided on another partition than the deletion and applied after it, must not undo
 * (plan-decisions.ts, deletedLater). Read under the records' locks (classify.ts, recordLocks).
 */
async function sourceRecordsOf(client: PoolClient, deleted: readonly SourceRecord[], decided: readonly SourceRecord[]): Promise<ChunkRecords> {
  const deletedRecords = new Map<string, DeletedRecord & { waiting: WaitingEvent[] }>(
    deleted.map((r) => [recordKey(r), { linkedTo: null, linkedSince: null, waiting: [] }]),
  );
  const recordDeletions = new Map<string, StoredDeletion[]>();
  if (deleted.length === 0 && decided.length === 0) return { deletedRecords, recordDeletions };
  const { rows } = await client.query<
    SourceRecord & {
      kind: 'link' | 'waiting' | 'deletion';
      citizen_id: string | null;
      observation_id: string | null;
      event_time: number | null;
      ingested_at: number | null;
    }
  >(
    `with r as (select * from unnest($1::text[], $2::text[], $3::text[]) as r(source, source_system, source_record_id)),
          d as (select distinct * from unnest($4::text[], $5::text[], $6::text[]) as d(source, source_system, source_record_id))
     select 'link' as kind, l.source, l.source_system, l.source_record_id, l.citizen_id, null as observation_id,
            (l.observation->>'event_time')::float8 as event_time, (l.observation->>'ingested_at')::float8 as ingested_at
       from record_links l join r on l.source = r.source and l.source_system = r.source_system and l.source_record_id = r.source_record_id
     union all
     select 'waiting', u.source, u.source_system, u.source_record_id, null, u.observation_id, (u.observation->>'event_time')::float8, (u.observation->>'ingested_at')::float8
       from unlinked_records u join r on u.source = r.source and u.source_system = r.source_system and u.source_record_id = r.source_record_id
      where u.resolved_at is null
     union all
     select 'deletion', x.source, x.source_system, x.source_record_id, null, x.observation_id, x.event_time, x.ingested_at
       from record_deletions x join d on x.source = d.source and x.source_system = d.source_system and x.source_record_id = d.source_record_id`,
    [...recordColumns(deleted), ...recordColumns(decided)],
  );
  for (const { kind, citizen_id: citizenId, observation_id: observationId, event_time: eventTime, ingested_at: ingestedAt, ...record } of rows) {
    const key = recordKey(record);
    const times = { event_time: Number(eventTime), ingested_at: Number(ingestedAt) };
    if (kind === 'deletion') {
      recordDeletions.set(key, [...(recordDeletions.get(key) ?? []), { observation_id: observationId!, ...times }]);
      continue;
    }
    const entry = deletedRecords.get(key)!;
    if (kind === 'link') {
      entry.linkedTo = citizenId;
      entry.linkedSince = eventTime === null || ingestedAt === null ? null : times;
    } else entry.waiting.push({ observation_id: observationId!, ...times });
  }
  return { deletedRecords, recordDeletions };
}

/**
 * The links of the deleted records, read again now that the citizens they were read on are
 * locked: a merge and its undo move a citizen's links holding the two citizens' locks, not the
 * records' (citizen-merges.ts), so one committing between the first read and those locks left a
 * deleted record on a citizen the chunk has not locked (an undone merge's survivor read, the
 * merged citizen it went back to; a merge's is followed, loadCitizens). Locked now, the citizen
 * the record is on keeps it until the chunk commits. A record moved is not taken off the citizen
 * read: the chunk fails retriably, and its retry reads the link again and locks that citizen in
 * order (locked now, out of id order, it could wait in a circle with another chunk).
 */
async function mustStillBeLinked(
  client: PoolClient,
  records: readonly SourceRecord[],
  deleted: ReadonlyMap<string, DeletedRecord>,
  loaded: LoadedCitizens,
): Promise<void> {
  const read = records.filter((r) => deleted.get(recordKey(r))?.linkedTo);
  if (read.length === 0) return;
  const { rows } = await client.query<SourceRecord & { citizen_id: string }>(
    `with r as (select * from unnest($1::text[], $2::text[], $3::text[]) as r(source, source_system, source_record_id))
     select l.source, l.source_system, l.source_record_id, l.citizen_id
       from record_links l join r on l.source = r.source and l.source_system = r.source_system and l.source_record_id = r.source_record_id`,
    recordColumns(read),
  );
  const now = new Map(rows.map((row) => [recordKey(row), row.citizen_id]));
  // Both sides through the merges: a link left on a merged citizen (read so, and still so) has not moved.
  const current = (citizenId: string | undefined) => (citizenId === undefined ? undefined : (loaded.redirects.get(citizenId) ?? citizenId));
  for (const record of read) {
    const linkedTo = deleted.get(recordKey(record))!.linkedTo!;
    if (current(now.get(recordKey(record))) !== current(linkedTo))
      throw new DancuError('RECORD_MOVED_MEANWHILE', 'a record the chunk deletes moved to another citizen after the chunk read its link', {
        retriable: true,
      });
  }
}

/** The facts, not withdrawn, of citizens whose death a decision may record (to find those dated after it). */
async function factsOf(client: PoolClient, citizenIds: readonly string[]): Promise<StoredFact[]> {
  if (citizenIds.length === 0) return [];
  const { rows } = await client.query<StoredFact>(
    `select citizen_id, observation_id, source, source_system, source_record_id, kind, fact_date, extract(epoch from event_time) * 1000 as event_time
       from citizen_facts where citizen_id = any($1::text[]) and withdrawn_at is null`,
    [citizenIds],
  );
  return rows.map((row) => ({ ...row, event_time: Number(row.event_time) }));
}

/**
 * The lock-and-load phase of a chunk: claims its decision ids, then locks, in the order of
 * review/citizen-locks.ts (the own locks of the records the chunk decides, but by a steward's own
 * decision, which holds its record's lock already; the review cases of records decided again and those open ones; the
 * blocking keys of records that may register or wait for a citizen; the citizens named) and reads
 * everything the plan needs, one round trip per table, each only when the chunk needs it. Every
 * read comes after the locks it depends on.
 */
export async function loadForDecisions(
  client: PoolClient,
  consumer: string,
  decisions: readonly LinkDecision[],
  settings: LinkageSettings,
): Promise<LoadedState & LoadStats> {
  const fresh = await claimDecisions(client, consumer, decisions);
  const needs = classify(decisions, fresh, settings);
  let roundTrips = 1;
  const count = <T>(promise: Promise<T>, needed: boolean): Promise<T> => {
    if (needed) roundTrips++;
    return promise;
  };
  // In the order every writer takes them (review/citizen-locks.ts): the records' own locks, their case rows, blocking keys, citizens.
  await count(lockKeys(client, needs.recordLocks), needs.recordLocks.length > 0);
  const cases: Map<string, LoadedCase> = await count(
    lockCasesOfRecords(client, needs.rechecks, needs.caseRecords),
    needs.rechecks.length > 0 || needs.caseRecords.length > 0,
  );
  await count(takeKeyLocks(client, needs.lockKeys), needs.lockKeys.length > 0);
  // After the source records' locks: another look at the same record that applied meanwhile has committed, and is seen.
  const applied = await count(alreadyApplied(client, needs.retries), needs.retries.length > 0);
  // After the record locks: a decision on the same record applied meanwhile has committed, and its link (or later send-back) is read.
  const relinks = await count(
    settingsRelinksOf(
      client,
      decisions.filter((d) => fresh.has(d.decision_id)),
    ),
    needs.retries.length > 0,
  );
  // Read after the records' own locks (classify.ts, recordLock), taken by a steward's decision before it reads the link it
  // changes, and by a chunk applying an event or the deletion of the record; before the citizens: those a deleted record is
  // linked to are locked with the others.
  const { deletedRecords, recordDeletions } = await count(
    sourceRecordsOf(client, needs.deletedRecords, needs.decidedRecords),
    needs.deletedRecords.length > 0 || needs.decidedRecords.length > 0,
  );
  const linkedTo = [...deletedRecords.values()].flatMap((r) => (r.linkedTo ? [r.linkedTo] : []));
  const loaded = await loadCitizens(client, [...needs.citizenIds, ...linkedTo]);
  roundTrips += loaded.roundTrips;
  await count(mustStillBeLinked(client, needs.deletedRecords, deletedRecords, loaded), linkedTo.length > 0);
  const recent = await recentCitizensInReach(client, settings, needs.reachProbes);
  roundTrips += recent.roundTrips;
  const waiting = await count(waitingInReach(client, settings, needs.newCitizens), needs.newCitizens.length > 0);
  const dying = needs.dying.flatMap((d) => {
    const id = d.decision === 'NEW' ? newCitizenId(d.observation) : (d.citizen_id ?? '');
    const target = loaded.redirects.get(id) ?? id;
    const state = loaded.citizens.find((s) => s.row.citizen_id === target || s.row.personal_id === target);
    return state ? [state.row.citizen_id] : [];
  });
  const factsOfDying = await count(factsOf(client, dying), dying.length > 0);
  const sentByChanges = await count(sendsByChanges(client, needs.budgetChecks), needs.budgetChecks.length > 0);
  return {
    fresh,
    applied,
    cases,
    citizens: loaded.citizens,
    redirects: loaded.redirects,
    recentInReach: recent.pairs,
    waitingInReach: waiting,
    factsOfDying,
    relinks,
    sentByChanges,
    deletedRecords,
    recordDeletions,
    roundTrips,
  };
}
