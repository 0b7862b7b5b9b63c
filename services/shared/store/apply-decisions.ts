import { createHash } from 'node:crypto';
import { DancuError } from '../errors.js';
import type { LinkDecision, PersonObservation, UpdateType } from '../schemas/records.js';
import type { CitizenRow } from '../register/citizen-row.js';
import { CITIZEN_CREATED_COLUMNS, CITIZENS, citizenRowColumns } from './citizens-table.js';
import type { PoolClient } from './db.js';
import { DecisionWriter, type CitizenState, type WriterContext } from './decision-writer.js';
import { factsAfterDeath, withdrawFacts } from './sector-facts-store.js';
import { lockKeysOf, relinkFor, requeueIfNewCitizenInReach, requeueKeptInReach, recordKeysOf } from './unlinked-store.js';
import { lockCasesOfRecords } from './review-case.js';

export const STORE_CONSUMER = 'store';

/** What the store did with one decision (for counters and tests); `requeued`: sent back to the linker, which decides again. */
export type ApplyResult = 'duplicate' | 'review' | 'unlinked' | 'requeued' | UpdateType;

export type { WriterContext };

/** Citizen id for a person a source created: the personal ID when there is one, else derived from the event, so a retry makes the same id. */
export function newCitizenId(observation: PersonObservation): string {
  return observation.person.personal_id ?? `DC${createHash('sha256').update(observation.observation_id).digest('hex').slice(0, 16).toUpperCase()}`;
}

/** Decisions that read what earlier decisions of the chunk wrote (the keys of new citizens, the links and facts of a record being deleted): the buffers are written first. */
function readsWrites(decision: LinkDecision): boolean {
  return (decision.decision === 'NEW' && !decision.observation.person.personal_id) || decision.observation.change_type === 'DELETE';
}

/**
 * Observations of later linkage attempts already linked to a citizen. A waiting record can be
 * sent back more than once (when it was kept, and again for each new citizen in reach); the
 * first attempt that links it applies, any later one is a duplicate of it, whatever it decided.
 */
async function alreadyApplied(client: PoolClient, retries: LinkDecision[]): Promise<Set<string>> {
  if (retries.length === 0) return new Set();
  const { rows } = await client.query<{ observation_id: string }>(
    `select distinct observation_id from observation_outcomes where observation_id = any($1::text[]) and outcome in ('CREATED', 'LINKED')`,
    [retries.map((d) => d.observation.observation_id)],
  );
  return new Set(rows.map((row) => row.observation_id));
}

/** A citizen a NEW decision of the chunk inserted: the first decision for the personal ID creates it, any other links to it. */
interface Creation {
  decisionId: string;
  row: CitizenRow;
}

/**
 * Inserts the citizens the chunk's NEW decisions with a personal ID create, in one statement;
 * a personal ID already in the register (or earlier in the chunk) inserts nothing, and its
 * decision links to that citizen instead.
 */
async function createCitizens(client: PoolClient, births: LinkDecision[]): Promise<Map<string, Creation>> {
  const created = new Map<string, Creation>();
  if (births.length === 0) return created;
  const rows = births.map((d) => citizenInsertRow(d.observation));
  const result = await client.query<CitizenRow>(
    `insert into citizens (${CITIZENS.list(CITIZEN_CREATED_COLUMNS)})
     select ${CITIZENS.list(CITIZEN_CREATED_COLUMNS)} from jsonb_to_recordset($1::jsonb) as x(${CITIZENS.recordType(CITIZEN_CREATED_COLUMNS)})
     on conflict do nothing
     returning ${citizenRowColumns()}`,
    [JSON.stringify(rows)],
  );
  for (const row of result.rows) {
    const first = births.find((d) => newCitizenId(d.observation) === row.citizen_id);
    if (first) created.set(row.citizen_id, { decisionId: first.decision_id, row });
  }
  return created;
}

function citizenInsertRow(observation: PersonObservation) {
  const p = observation.person;
  return {
    citizen_id: newCitizenId(observation),
    personal_id: p.personal_id,
    full_name: p.full_name,
    name_key: p.name_key,
    family_name: p.family_name,
    middle_name: p.middle_name,
    given_name: p.given_name,
    date_of_birth: p.date_of_birth?.value ?? null,
    dob_precision: p.date_of_birth?.precision ?? null,
    sex: p.sex,
    address: p.address,
    place_of_birth: observation.attributes.place_of_birth ?? null,
    ethnicity: observation.attributes.ethnicity ?? null,
    origin: `source:${observation.source}`,
  };
}

/**
 * Applies a chunk of link decisions inside the caller's transaction: citizen changes, history,
 * facts, findings, audit entries and outbox rows commit together or not at all. Decision ids are
 * recorded first, so a redelivered decision (or one twice in the chunk) changes nothing.
 */
export async function applyDecisions(client: PoolClient, decisions: readonly LinkDecision[], context: WriterContext): Promise<ApplyResult[]> {
  const inserted = await client.query<{ event_id: string }>(
    `insert into processed_events (consumer, event_id) select $1, id from unnest($2::text[]) as id on conflict do nothing returning event_id`,
    [STORE_CONSUMER, decisions.map((d) => d.decision_id)],
  );
  const fresh = new Set(inserted.rows.map((row) => row.event_id));
  const retries = decisions.filter((d) => d.observation.attempt > 0 && fresh.has(d.decision_id));
  const applied = await alreadyApplied(client, retries);
  // The linker's later looks at records in review; a steward's own decision on the case (its record may be at a later attempt too) is what the case waits for.
  const rechecks = new Set(retries.filter((d) => d.method !== 'STEWARD'));
  const cases = await lockCasesOfRecords(
    client,
    [...rechecks].map((d) => d.observation.observation_id),
  );
  await lockKeysOf(
    client,
    context.settings,
    decisions.filter((d) => fresh.has(d.decision_id) && (d.decision === 'NEW' || d.decision === 'UNLINKED' || d.decision === 'REVIEW')),
  );
  const writer = new DecisionWriter(client, context);
  await writer.load(decisions.flatMap((d) => (d.decision === 'LINK' && d.citizen_id && fresh.has(d.decision_id) ? [d.citizen_id] : [])));
  const created = await createCitizens(
    client,
    decisions.filter((d) => d.decision === 'NEW' && d.observation.person.personal_id && fresh.has(d.decision_id)),
  );

  const results: ApplyResult[] = [];
  for (const decision of decisions) {
    const observationId = decision.observation.observation_id;
    if (!fresh.delete(decision.decision_id) || (decision.observation.attempt > 0 && applied.has(observationId))) {
      results.push('duplicate');
      continue;
    }
    const caseStatus = rechecks.has(decision) ? cases.get(observationId) : undefined;
    if (caseStatus === 'CLAIMED' || caseStatus === 'DECIDED') {
      // A steward holds (or has decided) the record's case: their decision, not this later look, settles the record.
      writer.addAudit('RECHECK_SET_ASIDE', null, {
        decision_id: decision.decision_id,
        decision: decision.decision,
        reason: `the review case is ${caseStatus.toLowerCase()}`,
      });
      results.push('duplicate');
      continue;
    }
    if (readsWrites(decision)) await writer.flush();
    const result = await applyOne(client, writer, decision, context, created, caseStatus === 'OPEN');
    if (result !== 'requeued' && result !== 'unlinked' && result !== 'review') applied.add(observationId);
    results.push(result);
  }
  await relinkFor(
    client,
    context.settings,
    [...created.values()].map((creation) => creation.row),
    context.topics.observations,
  );
  await writer.flush();
  await requeueKeptInReach(
    client,
    context.settings,
    decisions.filter((d, i) => (d.decision === 'UNLINKED' && results[i] === 'unlinked') || (d.decision === 'REVIEW' && results[i] === 'review')),
    context.topics.observations,
  );
  // Deaths are checked against every fact written, this chunk's included: after the flush.
  for (const { observation, citizenId, finding } of await factsAfterDeath(client, writer.takeDeaths()))
    writer.addFindings(observation, [finding], citizenId, 'store');
  await writer.flush();
  return results;
}

/** `inReview`: the record has an open review case from an earlier attempt, which this decision settles or refreshes. */
async function applyOne(
  client: PoolClient,
  writer: DecisionWriter,
  decision: LinkDecision,
  context: WriterContext,
  created: Map<string, Creation>,
  inReview: boolean,
): Promise<ApplyResult> {
  const o = decision.observation;
  if (decision.decision === 'REVIEW') {
    if (o.attempt > 0) writer.resolveUnlinked(o.observation_id, 'REVIEW', null);
    writer.addReviewCase(decision, recordKeysOf(context.settings, o));
    writer.addFindings(o, o.findings, null, 'ingest');
    writer.addOutcome(decision, 'REVIEW', null);
    writer.addAudit(inReview ? 'REVIEW_CASE_REFRESHED' : 'REVIEW_CASE_OPENED', null, { decision_id: decision.decision_id, reason: decision.reason });
    return 'review';
  }
  if (decision.decision === 'UNLINKED') {
    writer.keepUnlinked(decision, recordKeysOf(context.settings, o));
    writer.addFindings(o, o.findings, null, 'ingest');
    writer.addOutcome(decision, 'UNLINKED', null);
    writer.addAudit('RECORD_KEPT_UNLINKED', null, { decision_id: decision.decision_id, source: o.source, reason: decision.reason });
    return 'unlinked';
  }

  let state: CitizenState | null = null;
  if (decision.decision === 'NEW') {
    const creation = created.get(newCitizenId(o));
    if (creation?.decisionId === decision.decision_id) return applyCreation(writer, decision, creation.row);
    if (!creation && !o.person.personal_id) {
      // A steward's "new citizen" stands even if a citizen in reach appeared since: they saw the candidates.
      if (decision.method !== 'STEWARD' && (await requeueIfNewCitizenInReach(client, context.settings, decision, context.topics.observations))) {
        writer.addAudit('DECISION_REQUEUED', null, {
          decision_id: decision.decision_id,
          reason: 'a citizen sharing its keys was created after the linker decided',
        });
        return 'requeued';
      }
      const [row] = (await createCitizens(client, [decision])).values();
      if (row) {
        await relinkFor(client, context.settings, [row.row], context.topics.observations);
        return applyCreation(writer, decision, row.row);
      }
    }
    await writer.load([newCitizenId(o)]);
    state = writer.citizen(newCitizenId(o));
  } else if (decision.citizen_id) {
    await writer.load([decision.citizen_id]);
    state = writer.citizen(decision.citizen_id);
  }
  if (!state)
    throw new DancuError('CITIZEN_NOT_FOUND', 'the decision names a citizen that is not in the register', {
      retriable: false,
      context: { recordId: decision.citizen_id ?? undefined },
    });
  const citizenId = state.row.citizen_id;
  if (o.attempt > 0) writer.resolveUnlinked(o.observation_id, o.change_type === 'DELETE' ? 'DELETED' : 'LINKED', citizenId);

  if (o.change_type === 'DELETE') {
    await client.query('delete from record_links where source = $1 and source_system = $2 and source_record_id = $3', [
      o.source,
      o.source_system,
      o.source_record_id,
    ]);
    await withdrawFacts(client, o);
    finish(writer, decision, citizenId, 'RECORD_UNLINKED', 'DELETED', [], null, 0);
    return 'RECORD_UNLINKED';
  }
  const { changes, findings } = writer.applyObservation(state, o, { system: o.source_system, record: o.source_record_id });
  const fact = writer.recordFact(state, o);
  writer.addLink(decision, citizenId);
  writer.addFindings(o, [...o.findings, ...findings], citizenId, 'ingest');
  const died = changes.some((change) => change.field === 'date_of_death');
  const updateType: UpdateType = died ? 'DEATH_RECORDED' : changes.length > 0 ? 'CITIZEN_UPDATED' : fact ? 'FACT_RECORDED' : 'RECORD_LINKED';
  const filled = changes.filter((change) => change.oldValue === null || change.rule === 'refined-by-compatible').length;
  finish(
    writer,
    decision,
    citizenId,
    updateType,
    'LINKED',
    changes.map((c) => ({ field: c.field, old_value: c.oldValue, new_value: c.newValue })),
    fact,
    filled,
  );
  return updateType;
}

/** A citizen just inserted: every value of the creating record is a claim, chosen as the only one. */
function applyCreation(writer: DecisionWriter, decision: LinkDecision, created: CitizenRow): ApplyResult {
  const o = decision.observation;
  if (o.attempt > 0) writer.resolveUnlinked(o.observation_id, 'CREATED', created.citizen_id);
  const state: CitizenState = { row: emptyCitizen(created), history: [], changed: false };
  writer.remember(state);
  const { changes } = writer.applyObservation(state, o, { system: o.source_system, record: o.source_record_id });
  writer.addLink(decision, created.citizen_id);
  writer.addFindings(o, o.findings, created.citizen_id, 'ingest');
  finish(
    writer,
    decision,
    created.citizen_id,
    'CITIZEN_CREATED',
    'CREATED',
    changes.map((c) => ({ field: c.field, old_value: null, new_value: c.newValue })),
    null,
    0,
  );
  return 'CITIZEN_CREATED';
}

function finish(
  writer: DecisionWriter,
  decision: LinkDecision,
  citizenId: string,
  updateType: UpdateType,
  outcome: 'CREATED' | 'LINKED' | 'DELETED',
  changes: { field: string; old_value: string | null; new_value: string | null }[],
  fact: ReturnType<DecisionWriter['recordFact']>,
  filled: number,
): void {
  writer.addOutcome(decision, outcome, citizenId, filled);
  writer.addAudit(updateType, citizenId, { decision_id: decision.decision_id, reason: decision.reason, fields: changes.map((c) => c.field) });
  writer.publishUpdate(decision, citizenId, updateType, changes, fact);
}

/** The citizen as a row with nothing known, so a creation's values are claims like any other. */
function emptyCitizen(row: CitizenRow): CitizenRow {
  return {
    ...row,
    full_name: '',
    date_of_birth: null,
    dob_precision: null,
    sex: null,
    address: null,
    place_of_birth: null,
    ethnicity: null,
    marital_status: null,
    date_of_death: null,
    dod_precision: null,
  };
}
