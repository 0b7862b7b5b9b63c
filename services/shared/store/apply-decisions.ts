import { createHash } from 'node:crypto';
import { DancuError } from '../errors.js';
import { normaliseName } from '../normalise/name.js';
import type { LinkageSettings } from '../linkage/settings.js';
import type { LinkDecision, PersonObservation, PopulationUpdate, SectorFact, UpdateType } from '../schemas/records.js';
import { planChanges, type FieldTimes, type PlannedChange } from './citizen-changes.js';
import { CITIZEN_COLUMNS, citizenColumnsOf, type CitizenRow } from './citizen-row.js';
import { refreshCitizenKeys } from './citizen-keys-store.js';
import type { PoolClient } from './db.js';
import { findingsStatement, outcomeStatement } from './quality-store.js';
import { runTogether, type Statement } from './statements.js';
import { factOf, flagFactsAfterDeath, recordFact, withdrawFacts } from './sector-facts-store.js';
import { keepUnlinked, relinkFor, resolveUnlinked } from './unlinked-store.js';

export const STORE_CONSUMER = 'store';

/** What the store did with one decision (for counters and tests). */
export type ApplyResult = 'duplicate' | 'review' | 'unlinked' | UpdateType;

export interface StoreTopics {
  populationUpdates: string;
  observations: string;
}

type Change = PopulationUpdate['changes'][number];

/** Citizen id for a person a source created: the personal ID when there is one, else derived from the event, so a retry makes the same id. */
export function newCitizenId(observation: PersonObservation): string {
  return observation.person.personal_id ?? `DC${createHash('sha256').update(observation.observation_id).digest('hex').slice(0, 16).toUpperCase()}`;
}

/**
 * Applies one link decision inside the caller's transaction: the citizen change, its provenance,
 * facts, findings, the audit entry and the outbox row commit together or not at all. The
 * decision id is recorded first, so a redelivered decision finds it and changes nothing.
 */
export async function applyDecision(client: PoolClient, decision: LinkDecision, settings: LinkageSettings, topics: StoreTopics, now: Date): Promise<ApplyResult> {
  const fresh = await client.query(
    'insert into processed_events (consumer, event_id) values ($1, $2) on conflict do nothing returning 1',
    [STORE_CONSUMER, decision.decision_id],
  );
  if (fresh.rowCount === 0) return 'duplicate';

  const observation = decision.observation;
  if (decision.decision === 'REVIEW') {
    if (observation.attempt > 0) await resolveUnlinked(client, observation.observation_id, 'REVIEW', null);
    await runTogether(client, [
      {
        sql: `insert into review_cases (observation_id, decision_id, reason, source, observation, candidates, explanation)
              values ($1, $2, $3, $4, $5, $6, $7) on conflict (observation_id) do nothing`,
        values: [observation.observation_id, decision.decision_id, decision.reason, observation.source, observation, JSON.stringify(decision.candidates), decision.explanation],
      },
      findingsStatement(observation, observation.findings, null, 'ingest'),
      outcomeStatement(decision, 'REVIEW', null, now),
      auditStatement('REVIEW_CASE_OPENED', null, { decision_id: decision.decision_id, reason: decision.reason }),
    ]);
    return 'review';
  }
  if (decision.decision === 'UNLINKED') {
    await keepUnlinked(client, settings, decision, topics.observations);
    await runTogether(client, [
      findingsStatement(observation, observation.findings, null, 'ingest'),
      outcomeStatement(decision, 'UNLINKED', null, now),
      auditStatement('RECORD_KEPT_UNLINKED', null, { decision_id: decision.decision_id, source: observation.source, reason: decision.reason }),
    ]);
    return 'unlinked';
  }

  const applied = await applyToCitizen(client, decision, settings, topics);
  const { citizen, updateType, changes, fact } = applied;
  // Only a record sent back to the linker (attempt > 0) can have been waiting unlinked.
  if (observation.attempt > 0) await resolveUnlinked(client, observation.observation_id, observation.change_type === 'DELETE' ? 'DELETED' : 'LINKED', citizen.citizen_id);
  await recordProvenance(client, citizen.citizen_id, observation, applied.planned, applied.stale, now);
  const filled = updateType === 'CITIZEN_CREATED' ? 0 : applied.planned.filter((change) => change.rule === 'fills-empty-field').length;
  const update: PopulationUpdate = {
    update_id: decision.decision_id,
    citizen_id: citizen.citizen_id,
    update_type: updateType,
    fact,
    changes,
    source: observation.source,
    source_system: observation.source_system,
    source_record_id: observation.source_record_id,
    observation_id: observation.observation_id,
    event_time: observation.event_time,
    applied_at: now.getTime(),
  };
  await runTogether(client, [
    observation.change_type === 'DELETE' ? null : linkStatement(decision, citizen.citizen_id),
    findingsStatement(observation, [...observation.findings, ...applied.findings], citizen.citizen_id, 'ingest'),
    outcomeStatement(decision, updateType === 'CITIZEN_CREATED' ? 'CREATED' : observation.change_type === 'DELETE' ? 'DELETED' : 'LINKED', citizen.citizen_id, now, filled),
    auditStatement(updateType, citizen.citizen_id, { decision_id: decision.decision_id, reason: decision.reason, fields: changes.map((c) => c.field) }),
    {
      sql: `insert into outbox (event_id, topic, message_key, record_type, payload) values ($1, $2, $3, 'populationUpdate', $4)`,
      values: [update.update_id, topics.populationUpdates, update.citizen_id, update],
    },
  ]);
  return updateType;
}

interface Applied {
  citizen: CitizenRow;
  updateType: UpdateType;
  changes: Change[];
  planned: PlannedChange[];
  /** Values older than the register's, for the history only. */
  stale: PlannedChange[];
  findings: { code: string; field: string; message: string }[];
  fact: SectorFact | null;
}

/** The citizen change a LINK or NEW decision makes; a NEW whose person already exists links to them. */
async function applyToCitizen(client: PoolClient, decision: LinkDecision, settings: LinkageSettings, topics: StoreTopics): Promise<Applied> {
  const observation = decision.observation;
  if (decision.decision === 'NEW') {
    const created = await createCitizen(client, observation);
    if (created) {
      await refreshCitizenKeys(client, settings, created);
      await relinkFor(client, settings, created, topics.observations);
      const planned: PlannedChange[] = planChanges(emptyCitizen(created), observation).changes.map((change) => ({ ...change, oldValue: null }));
      const changes = planned.map((change) => ({ field: change.field, old_value: null, new_value: change.newValue }));
      return { citizen: created, updateType: 'CITIZEN_CREATED', changes, planned, stale: [], findings: [], fact: null };
    }
  }
  const { citizen, fieldTimes } = await lockCitizen(client, decision.decision === 'NEW' ? newCitizenId(observation) : decision.citizen_id);
  if (observation.change_type === 'DELETE') {
    await client.query('delete from record_links where source = $1 and source_system = $2 and source_record_id = $3', [observation.source, observation.source_system, observation.source_record_id]);
    await withdrawFacts(client, observation);
    return { citizen, updateType: 'RECORD_UNLINKED', changes: [], planned: [], stale: [], findings: [], fact: null };
  }
  const plan = planChanges(citizen, observation, fieldTimes);
  const updated = plan.changes.length > 0 ? await writeChanges(client, citizen, plan.changes) : citizen;
  if (plan.changes.length > 0) await refreshCitizenKeys(client, settings, updated);
  const fact = factOf(observation);
  if (fact) await recordFact(client, updated, observation, fact);
  const died = plan.changes.some((change) => change.field === 'date_of_death');
  if (died) await flagFactsAfterDeath(client, updated);
  const changes = plan.changes.map((change) => ({ field: change.field, old_value: change.oldValue, new_value: change.newValue }));
  const updateType: UpdateType = died ? 'DEATH_RECORDED' : changes.length > 0 ? 'CITIZEN_UPDATED' : fact ? 'FACT_RECORDED' : 'RECORD_LINKED';
  return { citizen: updated, updateType, changes, planned: plan.changes, stale: plan.stale, findings: plan.findings, fact };
}

/** The citizen as a row with nothing known, so a creation's provenance is planned like any other change. */
function emptyCitizen(row: CitizenRow): CitizenRow {
  return { ...row, full_name: '', date_of_birth: null, dob_precision: null, sex: null, address: null, place_of_birth: null, ethnicity: null, marital_status: null, date_of_death: null, dod_precision: null };
}

/** Inserts the citizen; null when a citizen with that id or personal ID already exists (then the decision links to it). */
async function createCitizen(client: PoolClient, observation: PersonObservation): Promise<CitizenRow | null> {
  const p = observation.person;
  const result = await client.query<CitizenRow>(
    `insert into citizens (citizen_id, personal_id, full_name, name_key, family_name, middle_name, given_name,
                           date_of_birth, dob_precision, sex, address, place_of_birth, ethnicity, origin)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     on conflict do nothing
     returning ${CITIZEN_COLUMNS}`,
    [newCitizenId(observation), p.personal_id, p.full_name, p.name_key, p.family_name, p.middle_name, p.given_name,
      p.date_of_birth?.value ?? null, p.date_of_birth?.precision ?? null, p.sex, p.address,
      observation.attributes.place_of_birth ?? null, observation.attributes.ethnicity ?? null, `source:${observation.source}`],
  );
  return result.rows[0] ?? null;
}

/** Locks the citizen, and reads when the event behind each field's current value happened (one round trip). */
async function lockCitizen(client: PoolClient, citizenId: string | null): Promise<{ citizen: CitizenRow; fieldTimes: FieldTimes }> {
  const result = citizenId
    ? await client.query<CitizenRow & { field_times: FieldTimes | null }>(
        `select ${citizenColumnsOf('c')},
                (select json_object_agg(p.field, extract(epoch from p.event_time) * 1000) from field_provenance p
                  where p.citizen_id = c.citizen_id and p.is_current) as field_times
           from citizens c where c.citizen_id = $1 or c.personal_id = $1 limit 1 for update of c`,
        [citizenId],
      )
    : { rows: [] };
  const row = result.rows[0];
  if (!row) throw new DancuError('CITIZEN_NOT_FOUND', 'the decision names a citizen that is not in the register', { retriable: false, context: { recordId: citizenId ?? undefined } });
  const { field_times: fieldTimes, ...citizen } = row;
  return { citizen, fieldTimes: fieldTimes ?? {} };
}

/** The columns each planned change writes (a name its parts, a date its precision, a death the status). */
function columnsOf(change: PlannedChange): Record<string, string | null> {
  switch (change.field) {
    case 'full_name': {
      const name = normaliseName(change.newValue);
      if (!name) return {};
      return { full_name: name.full_name, name_key: name.name_key, family_name: name.family_name, middle_name: name.middle_name, given_name: name.given_name };
    }
    case 'date_of_birth':
      return { date_of_birth: change.newValue, dob_precision: change.precision ?? 'DAY' };
    case 'date_of_death':
      return { date_of_death: change.newValue, dod_precision: change.precision ?? 'DAY', status: 'DECEASED' };
    default:
      return { [change.field]: change.newValue };
  }
}

async function writeChanges(client: PoolClient, citizen: CitizenRow, changes: PlannedChange[]): Promise<CitizenRow> {
  const columns = Object.assign({}, ...changes.map(columnsOf)) as Record<string, string | null>;
  const names = Object.keys(columns);
  const assignments = names.map((name, index) => `${name} = $${index + 1}`);
  const updated = await client.query<CitizenRow>(
    `update citizens set ${assignments.join(', ')}, updated_at = now(), version = version + 1 where citizen_id = $${names.length + 1} returning ${CITIZEN_COLUMNS}`,
    [...names.map((name) => columns[name]), citizen.citizen_id],
  );
  return updated.rows[0] ?? citizen;
}

function linkStatement(decision: LinkDecision, citizenId: string): Statement {
  const o = decision.observation;
  return {
    sql: `insert into record_links (source, source_system, source_record_id, citizen_id, decision_id, method, score)
          values ($1, $2, $3, $4, $5, $6, $7)
          on conflict (source, source_system, source_record_id)
          do update set citizen_id = excluded.citizen_id, decision_id = excluded.decision_id, method = excluded.method,
                        score = excluded.score, linked_at = now()`,
    values: [o.source, o.source_system, o.source_record_id, citizenId, decision.decision_id, decision.method, decision.score],
  };
}

/** Every value the observation gave goes into the history; only the changes become current. */
async function recordProvenance(client: PoolClient, citizenId: string, observation: PersonObservation, changes: PlannedChange[], stale: PlannedChange[], now: Date): Promise<void> {
  if (changes.length === 0 && stale.length === 0) return;
  const fields = changes.map((change) => change.field);
  if (fields.length > 0) await client.query('update field_provenance set is_current = false where citizen_id = $1 and field = any($2::text[]) and is_current', [citizenId, fields]);
  const all = [...changes, ...stale];
  await client.query(
    `insert into field_provenance (citizen_id, field, value, source, source_system, source_record_id, observation_id, event_time, applied_at, rule, is_current)
     select $1, f.field, f.value, $2, $3, $4, $5, to_timestamp($6 / 1000.0), $7, f.rule, f.is_current
       from unnest($8::text[], $9::text[], $10::text[], $11::boolean[]) as f(field, value, rule, is_current)`,
    [citizenId, observation.source, observation.source_system, observation.source_record_id, observation.observation_id,
      observation.event_time, now, all.map((change) => change.field), all.map((change) => change.newValue), all.map((change) => change.rule), all.map((change) => change.rule !== 'older-than-current')],
  );
}

function auditStatement(action: string, citizenId: string | null, details: object): Statement {
  return { sql: 'insert into audit_log (actor, action, citizen_id, details) values ($1, $2, $3, $4)', values: ['pipeline:store', action, citizenId, details] };
}
