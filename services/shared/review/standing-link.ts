import type { PersonObservation, StewardDecision } from '../schemas/records.js';
import { deletionAfter } from '../linkage/current-observations.js';
import type { WriterContext } from '../store/apply-decisions.js';
import { CitizenEdits } from '../store/citizen-edits.js';
import type { Pool, PoolClient } from '../store/db.js';
import { lockMergeCitizens } from '../store/merge-moves.js';
import type { StoredDeletion } from '../store/plan/loaded-state.js';
import { observationUpdate } from '../store/plan/observation-update.js';
import { changesIdentity } from '../store/plan/reexamination.js';
import { reexamineAfterChanges } from '../store/register-reexamination.js';
import { liveFactOf, observationToApply, type StandingLink, type StoredLink, type StoredRow } from './standing-link-plan.js';
import { refuse } from './steward-refusal.js';
import { stewardActor } from './steward-users.js';

/**
 * A steward's decision on a case about a link left standing (SETTINGS_LINK_*, REGISTER_LINK_*,
 * LINKED_RECORD_CONTRADICTED) keeps the link as it stood with the decision
 * (steward_decisions.standing_link), and its undo puts exactly that back: the rows as they were,
 * the citizen's fields chosen again from all their claims by the same survivorship as any unlink
 * or merge undone.
 */

type SourceRecord = Pick<PersonObservation, 'source' | 'source_system' | 'source_record_id'>;

const RECORD = 'source = $1 and source_system = $2 and source_record_id = $3';
const recordOf = (o: SourceRecord): string[] => [o.source, o.source_system, o.source_record_id];

/**
 * Why an undo is refused when the record was linked again since the decision: what linked it is a
 * steward's decision on another of its cases (undone first), or the pipeline's link of a later
 * event, which no steward undoes.
 */
const LINKED_AGAIN =
  'the record has been linked again since the decision: undo what linked it first if a steward decided it; while a link the pipeline made of a later event stands, the decision is not undone';

async function linkedObservationOf(client: Pool | PoolClient, o: SourceRecord): Promise<PersonObservation | null> {
  const { rows } = await client.query<{ observation: PersonObservation | null }>(`select observation from record_links where ${RECORD}`, recordOf(o));
  return rows[0]?.observation ?? null;
}

/**
 * Whether the record was deleted at its source after the case's event: a deletion the store
 * received is later than it (current-observations.ts, deletionAfter: the rule by which the store
 * sets such an event aside, plan-decisions.ts). The record may have been made again since, and
 * linked: the case's event is still one its source deleted, and linking it or making a citizen of
 * it would bring back what the deletion took away. Asked by the store applying a steward's
 * decision, which refuses all but a rejection then, and by the steward service, which offers only
 * a rejection (case-queue.ts).
 */
export async function deletedAtSource(client: Pool | PoolClient, o: PersonObservation): Promise<boolean> {
  const { rows } = await client.query<StoredDeletion>(`select observation_id, event_time, ingested_at from record_deletions where ${RECORD}`, recordOf(o));
  return deletionAfter(o, rows) !== null;
}

/** The observation a move applies: the record's latest (standing-link-plan.ts). */
export async function latestObservationOf(client: PoolClient, o: PersonObservation): Promise<PersonObservation> {
  const applied = observationToApply(o, await linkedObservationOf(client, o));
  if (!applied) refuse('the record was deleted at its source after the case was opened', 'RECORD_DELETED');
  return applied;
}

/**
 * The observation a confirmation of a case whose observation waits (review-case.ts,
 * caseObservationWaits) applies to the citizen the record stands on: the record's latest; null
 * when the link holds it already (a later event followed the link since the case was opened).
 */
export async function observationToConfirm(client: PoolClient, o: PersonObservation): Promise<PersonObservation | null> {
  const linked = await linkedObservationOf(client, o);
  const applied = observationToApply(o, linked);
  if (!applied) refuse('the record was deleted at its source after the case was opened', 'RECORD_DELETED');
  return applied.observation_id === linked?.observation_id ? null : applied;
}

/**
 * Keeps the record's link as it stands, before the decision changes it. `takenOff`: the decision
 * takes the record off its citizen, so its facts and field history there, and the outcomes of
 * its observations (the take-off marks them undone), are kept too. A decision that found no link
 * keeps `{ link: null }`: its undo is a first link's.
 */
export async function keepStandingLink(client: PoolClient, decisionId: string, o: PersonObservation, takenOff: boolean): Promise<void> {
  const record = recordOf(o);
  const { rows } = await client.query<{ link: StoredLink }>(`select to_jsonb(l) as link from record_links l where ${RECORD}`, record);
  const link = rows[0]?.link ?? null;
  const standing: StandingLink = { link, kept: !takenOff };
  if (link && takenOff) {
    const rowsOf = async (table: 'citizen_facts' | 'field_provenance') =>
      (
        await client.query<{ row: StoredRow }>(`select to_jsonb(t) as row from ${table} t where ${RECORD} and citizen_id = $4 order by id`, [
          ...record,
          link.citizen_id,
        ])
      ).rows.map((r) => r.row);
    standing.facts = await rowsOf('citizen_facts');
    standing.claims = await rowsOf('field_provenance');
    const observations = new Set([o.observation_id, ...[link, ...standing.facts, ...standing.claims].map(observationIdOf)]);
    standing.outcomes = (
      await client.query<{ decision_id: string; outcome: string }>(
        'select decision_id, outcome from observation_outcomes where observation_id = any($1::text[])',
        [[...observations].filter((id) => id !== null)],
      )
    ).rows;
  }
  await client.query('update steward_decisions set standing_link = $2 where decision_id = $1', [decisionId, JSON.stringify(standing)]);
}

function observationIdOf(row: StoredRow): string | null {
  const id = row.observation_id ?? (row.observation as PersonObservation | null)?.observation_id;
  return typeof id === 'string' ? id : null;
}

/** A decision on a standing-link case that found no link left to change. */
export async function keepNoStandingLink(client: PoolClient, decisionId: string): Promise<void> {
  await client.query(`update steward_decisions set standing_link = coalesce(standing_link, '{"link":null}') where decision_id = $1`, [decisionId]);
}

/**
 * What the undone decision kept of the link it changed; null when it found none. A decision on a
 * standing-link case applied before the register kept links (migration 022) is not undone: its
 * undo would not know what to put back.
 */
export async function standingLinkOfDecision(client: PoolClient, decisionId: string): Promise<(StandingLink & { link: StoredLink }) | null> {
  const { rows } = await client.query<{ standing_link: StandingLink | null }>('select standing_link from steward_decisions where decision_id = $1', [
    decisionId,
  ]);
  const standing = rows[0]?.standing_link;
  if (!standing)
    refuse(
      'the decision was applied before the register kept the link it changed, so its undo cannot put the link back: the decision stands (report the case to an administrator if it is wrong)',
      'LINK_NOT_KEPT',
    );
  return standing.link ? (standing as StandingLink & { link: StoredLink }) : null;
}

/** The record's link is still the one the undone decision made: nothing was linked since that the undo would lose. */
export async function mustBeLinkedBy(client: PoolClient, o: SourceRecord, decisionId: string): Promise<void> {
  const { rows } = await client.query<{ decision_id: string }>(`select decision_id from record_links where ${RECORD}`, recordOf(o));
  if (rows[0]?.decision_id !== decisionId) refuse(LINKED_AGAIN, 'RECORD_LINKED_AGAIN');
}

/**
 * No observation of the record is waiting unlinked or in another case still open: decided after
 * the record was taken off, it is newer than the link the undo would put back, and would be left
 * unresolved beside it. Its case is decided (or it waits) first.
 */
export async function mustHaveNoPendingObservation(client: PoolClient, o: SourceRecord, caseId: number): Promise<void> {
  const { rowCount } = await client.query(
    `select 1 from unlinked_records where ${RECORD} and resolved_at is null
     union all
     select 1 from review_cases where case_id <> $4 and status <> 'DECIDED'
        and observation->>'source' = $1 and observation->>'source_system' = $2 and observation->>'source_record_id' = $3`,
    [...recordOf(o), caseId],
  );
  if ((rowCount ?? 0) > 0)
    refuse(
      'a later observation of the record waits unlinked or in another open case: decide that case first, or wait until the register links the observation or opens a case on it',
      'PENDING_LATER_OBSERVATION',
    );
}

/**
 * Undoing a confirmation: the link's row as it stood (the pipeline's decision, method and reason);
 * nothing of the citizen changed. On the citizen the record is linked to now, returned: a merge
 * since moved the link to its survivor, as it moves every link (and its undo moves it back,
 * merge-moves.ts moveBack); the citizen the row names would be one merged. A steward's merge undone
 * puts the link back here first, as it stood after the merge, on the survivor (steward-apply.ts).
 */
export async function restoreLinkRow(client: PoolClient, standing: StandingLink & { link: StoredLink }, undoneId: string): Promise<string> {
  const link = standing.link;
  await mustBeLinkedBy(client, link as unknown as SourceRecord, undoneId);
  const { rows } = await client.query<{ citizen_id: string }>(
    `delete from record_links where ${RECORD} returning citizen_id`,
    recordOf(link as unknown as SourceRecord),
  );
  const citizenId = rows[0]!.citizen_id;
  await client.query('insert into record_links select * from jsonb_populate_record(null::record_links, $1::jsonb)', [
    JSON.stringify({ ...link, citizen_id: citizenId }),
  ]);
  return citizenId;
}

/**
 * Takes a record off the citizen it is linked to: the link goes, with the facts and field history
 * of `whole` the source record there (a move, or the undo of a confirmation that applied a waiting
 * observation: putBackRecord writes the record back as it stood), or else of the observation only
 * (an undo takes off what the undone decision brought); the observation's outcome is undone (the
 * outcomes of every event of the record there, when it is taken off whole). The
 * citizen's register values are written down as claims first, so the recount after keeps them.
 */
export async function deleteRecordOn(client: PoolClient, citizenId: string, o: PersonObservation, context: WriterContext, whole: boolean): Promise<void> {
  // Taken off whole, none of the record's events stays linked there: the outcomes keepStandingLink kept are undone
  // (the link's event and those of its facts and claims), and putBackRecord restores them.
  if (whole)
    await client.query(
      `update observation_outcomes set outcome = 'UNDONE' where outcome in ('LINKED', 'CREATED') and observation_id in (
         select observation->>'observation_id' from record_links where ${RECORD}
         union select observation_id from citizen_facts where ${RECORD} and citizen_id = $4
         union select observation_id from field_provenance where ${RECORD} and citizen_id = $4)`,
      [...recordOf(o), citizenId],
    );
  await client.query(`delete from record_links where ${RECORD}`, recordOf(o));
  await new CitizenEdits(client, context).materialiseRegisterClaimsOf([citizenId]);
  if (whole) {
    await client.query(`delete from citizen_facts where ${RECORD} and citizen_id = $4`, [...recordOf(o), citizenId]);
    await client.query(`delete from field_provenance where ${RECORD} and citizen_id = $4`, [...recordOf(o), citizenId]);
  } else {
    await client.query('delete from citizen_facts where observation_id = $1', [o.observation_id]);
    await client.query('delete from field_provenance where observation_id = $1', [o.observation_id]);
  }
  await client.query(`update observation_outcomes set outcome = 'UNDONE' where observation_id = $1 and outcome in ('LINKED', 'CREATED')`, [o.observation_id]);
}

/**
 * Undoing a move, a rejection or a new citizen (or a confirmation that applied a waiting
 * observation, its record cleared first by deleteRecordOn): the record back on the citizen it was
 * taken off, its link, facts and field history there as they were, its observations' outcomes too, and the
 * citizen's fields chosen again from all their claims. Refused when the record is linked again
 * (its new link would be lost) or the citizen was merged or removed since (undo that first).
 */
export async function putBackRecord(
  client: PoolClient,
  decision: StewardDecision,
  standing: StandingLink & { link: StoredLink },
  caseObservation: PersonObservation,
  context: WriterContext,
): Promise<string> {
  const link = standing.link;
  const citizenId = link.citizen_id;
  const citizen = (await lockMergeCitizens(client, [citizenId])).get(citizenId);
  if (!citizen || citizen.status === 'MERGED')
    refuse('the citizen the record was linked to has been merged or removed since: undo that first', 'CITIZEN_MERGED_OR_REMOVED');
  const linked = await client.query(`select 1 from record_links where ${RECORD}`, recordOf(caseObservation));
  if ((linked.rowCount ?? 0) > 0) refuse(LINKED_AGAIN, 'RECORD_LINKED_AGAIN');
  await client.query('insert into record_links select * from jsonb_populate_record(null::record_links, $1::jsonb)', [JSON.stringify(link)]);
  await client.query('insert into citizen_facts select * from jsonb_populate_recordset(null::citizen_facts, $1::jsonb)', [
    JSON.stringify(standing.facts ?? []),
  ]);
  await client.query('insert into field_provenance select * from jsonb_populate_recordset(null::field_provenance, $1::jsonb)', [
    JSON.stringify(standing.claims ?? []),
  ]);
  await client.query(
    'update observation_outcomes o set outcome = t.outcome from jsonb_to_recordset($1::jsonb) as t(decision_id text, outcome text) where o.decision_id = t.decision_id',
    [JSON.stringify(standing.outcomes ?? [])],
  );
  const writer = new CitizenEdits(client, context);
  await writer.load([citizenId]);
  const changes = writer.recompute(writer.citizen(citizenId)!);
  const origin = link.observation ?? caseObservation;
  writer.addOutbox(
    observationUpdate(
      `${decision.decision_id}:${citizenId}`,
      citizenId,
      'RECORD_LINKED',
      origin,
      changes,
      liveFactOf(standing, origin.observation_id),
      context.now,
    ),
  );
  writer.addAuditBy(stewardActor(decision.actor), 'RECORD_LINKED', citizenId, {
    decision_id: decision.decision_id,
    undoes: decision.undoes,
    restored_link: link.decision_id,
    fields: changes.map((c) => c.field),
  });
  await writer.write();
  // The record gave back some of the citizen's identity: records in reach of who they are again are looked at again, as after any unlink.
  if (changesIdentity(changes)) await reexamineAfterChanges(client, context, [{ citizenId, trigger: 'RESTORED', row: writer.citizen(citizenId)!.row }]);
  return citizenId;
}
