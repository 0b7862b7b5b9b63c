import { createHash } from 'node:crypto';
import { DancuError } from '../errors.js';
import type { LinkDecision, PersonObservation, PopulationUpdate, UpdateType } from '../schemas/records.js';
import type { LinkageSettings } from '../linkage/settings.js';
import { CITIZEN_COLUMNS, type CitizenRow } from './citizen-row.js';
import { refreshCitizenKeys } from './citizen-keys-store.js';
import type { PoolClient } from './db.js';

export const STORE_CONSUMER = 'store';

/** What the store did with one decision (for counters and tests). */
export type ApplyResult = 'duplicate' | 'review' | UpdateType;

type Change = PopulationUpdate['changes'][number];

/** Fields a civil-status observation may set, with the column each one fills. */
interface FieldValue {
  field: keyof CitizenRow;
  value: string | null;
}

/** Citizen id for a person a source created: the personal ID when there is one, else derived from the event, so a retry makes the same id. */
export function newCitizenId(observation: PersonObservation): string {
  return observation.person.personal_id ?? `DC${createHash('sha256').update(observation.observation_id).digest('hex').slice(0, 16).toUpperCase()}`;
}

function observedFields(observation: PersonObservation): FieldValue[] {
  const person = observation.person;
  const fields: FieldValue[] = [
    { field: 'full_name', value: person.full_name },
    { field: 'date_of_birth', value: person.date_of_birth?.value ?? null },
    { field: 'sex', value: person.sex },
    { field: 'address', value: person.address },
    { field: 'place_of_birth', value: observation.attributes.place_of_birth ?? null },
  ];
  return fields.filter((field) => field.value !== null);
}

/**
 * Applies one link decision inside the caller's transaction: the citizen change, its provenance,
 * the audit entry and the outbox row commit together or not at all. The decision id is recorded
 * first, so a redelivered decision finds it and changes nothing.
 */
export async function applyDecision(client: PoolClient, decision: LinkDecision, settings: LinkageSettings, updatesTopic: string, now: Date): Promise<ApplyResult> {
  const fresh = await client.query(
    'insert into processed_events (consumer, event_id) values ($1, $2) on conflict do nothing returning 1',
    [STORE_CONSUMER, decision.decision_id],
  );
  if (fresh.rowCount === 0) return 'duplicate';

  const observation = decision.observation;
  if (decision.decision === 'REVIEW') {
    await client.query(
      `insert into review_cases (observation_id, decision_id, reason, source, observation, candidates, explanation)
       values ($1, $2, $3, $4, $5, $6, $7) on conflict (observation_id) do nothing`,
      [observation.observation_id, decision.decision_id, decision.reason, observation.source, observation, JSON.stringify(decision.candidates), decision.explanation],
    );
    await audit(client, 'REVIEW_CASE_OPENED', null, { decision_id: decision.decision_id, reason: decision.reason });
    return 'review';
  }

  const { citizen, updateType, changes } = await applyToCitizen(client, decision);
  if (changes.length > 0) await refreshCitizenKeys(client, settings, citizen);
  if (observation.change_type !== 'DELETE') await linkRecord(client, decision, citizen.citizen_id);
  await recordProvenance(client, citizen.citizen_id, observation, changes, now);
  await audit(client, updateType, citizen.citizen_id, { decision_id: decision.decision_id, reason: decision.reason, fields: changes.map((c) => c.field) });
  const update: PopulationUpdate = {
    update_id: decision.decision_id,
    citizen_id: citizen.citizen_id,
    update_type: updateType,
    changes,
    source: observation.source,
    source_system: observation.source_system,
    source_record_id: observation.source_record_id,
    observation_id: observation.observation_id,
    event_time: observation.event_time,
    applied_at: now.getTime(),
  };
  await client.query(
    `insert into outbox (event_id, topic, message_key, record_type, payload) values ($1, $2, $3, 'populationUpdate', $4)`,
    [update.update_id, updatesTopic, update.citizen_id, update],
  );
  return updateType;
}

/** The citizen change a LINK or NEW decision makes; a NEW whose person already exists links to them. */
async function applyToCitizen(client: PoolClient, decision: LinkDecision): Promise<{ citizen: CitizenRow; updateType: UpdateType; changes: Change[] }> {
  const observation = decision.observation;
  if (decision.decision === 'NEW') {
    const created = await createCitizen(client, observation);
    if (created) {
      const changes = observedFields(observation).map(({ field, value }) => ({ field, old_value: null, new_value: value }));
      return { citizen: created, updateType: 'CITIZEN_CREATED', changes };
    }
  }
  const citizen = await lockCitizen(client, decision.decision === 'NEW' ? newCitizenId(observation) : decision.citizen_id);
  if (observation.change_type === 'DELETE') {
    await client.query('delete from record_links where source = $1 and source_system = $2 and source_record_id = $3', [observation.source, observation.source_system, observation.source_record_id]);
    return { citizen, updateType: 'RECORD_UNLINKED', changes: [] };
  }
  return updateCitizen(client, citizen, observation);
}

/** Inserts the citizen; null when a citizen with that id or personal ID already exists (then the decision links to it). */
async function createCitizen(client: PoolClient, observation: PersonObservation): Promise<CitizenRow | null> {
  const p = observation.person;
  const result = await client.query<CitizenRow>(
    `insert into citizens (citizen_id, personal_id, full_name, name_key, family_name, middle_name, given_name,
                           date_of_birth, dob_precision, sex, address, place_of_birth, origin)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     on conflict do nothing
     returning ${CITIZEN_COLUMNS}`,
    [newCitizenId(observation), p.personal_id, p.full_name, p.name_key, p.family_name, p.middle_name, p.given_name,
      p.date_of_birth?.value ?? null, p.date_of_birth?.precision ?? null, p.sex, p.address,
      observation.attributes.place_of_birth ?? null, `source:${observation.source}`],
  );
  return result.rows[0] ?? null;
}

async function lockCitizen(client: PoolClient, citizenId: string | null): Promise<CitizenRow> {
  const result = citizenId
    ? await client.query<CitizenRow>(`select ${CITIZEN_COLUMNS} from citizens where citizen_id = $1 or personal_id = $1 limit 1 for update`, [citizenId])
    : { rows: [] };
  const row = result.rows[0];
  if (!row) throw new DancuError('CITIZEN_NOT_FOUND', 'the decision names a citizen that is not in the register', { retriable: false, context: { recordId: citizenId ?? undefined } });
  return row;
}

/**
 * Civil status is authoritative for the person's name, date of birth, sex and place of birth,
 * and for death: its values replace the register's. Address is only filled when empty.
 */
async function updateCitizen(client: PoolClient, citizen: CitizenRow, observation: PersonObservation): Promise<{ citizen: CitizenRow; updateType: UpdateType; changes: Change[] }> {
  const changes: Change[] = [];
  const assignments: string[] = [];
  const values: unknown[] = [];
  const set = (column: string, field: string, oldValue: string | null, newValue: string | null) => {
    values.push(newValue);
    assignments.push(`${column} = $${values.length}`);
    if (field) changes.push({ field, old_value: oldValue, new_value: newValue });
  };

  if (observation.date_of_death) {
    const dod = observation.date_of_death;
    if (citizen.status !== 'DECEASED' || citizen.date_of_death !== dod.value) {
      set('date_of_death', 'date_of_death', citizen.date_of_death, dod.value);
      set('dod_precision', '', null, dod.precision);
      set('status', 'status', citizen.status, 'DECEASED');
    }
  } else {
    const p = observation.person;
    if (p.full_name !== citizen.full_name) {
      set('full_name', 'full_name', citizen.full_name, p.full_name);
      set('name_key', '', null, p.name_key);
      set('family_name', '', null, p.family_name);
      set('middle_name', '', null, p.middle_name);
      set('given_name', '', null, p.given_name);
    }
    if (p.date_of_birth && p.date_of_birth.value !== citizen.date_of_birth) {
      set('date_of_birth', 'date_of_birth', citizen.date_of_birth, p.date_of_birth.value);
      set('dob_precision', '', null, p.date_of_birth.precision);
    }
    if (p.sex && p.sex !== citizen.sex) set('sex', 'sex', citizen.sex, p.sex);
    if (p.address && !citizen.address) set('address', 'address', null, p.address);
    const place = observation.attributes.place_of_birth;
    if (place && place !== citizen.place_of_birth) set('place_of_birth', 'place_of_birth', citizen.place_of_birth, place);
  }

  if (assignments.length === 0) return { citizen, updateType: 'RECORD_LINKED', changes };
  values.push(citizen.citizen_id);
  const updated = await client.query<CitizenRow>(
    `update citizens set ${assignments.join(', ')}, updated_at = now(), version = version + 1 where citizen_id = $${values.length} returning ${CITIZEN_COLUMNS}`,
    values,
  );
  return { citizen: updated.rows[0] ?? citizen, updateType: observation.date_of_death ? 'DEATH_RECORDED' : 'CITIZEN_UPDATED', changes };
}

async function linkRecord(client: PoolClient, decision: LinkDecision, citizenId: string): Promise<void> {
  const o = decision.observation;
  await client.query(
    `insert into record_links (source, source_system, source_record_id, citizen_id, decision_id, method, score)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (source, source_system, source_record_id)
     do update set citizen_id = excluded.citizen_id, decision_id = excluded.decision_id, method = excluded.method,
                   score = excluded.score, linked_at = now()`,
    [o.source, o.source_system, o.source_record_id, citizenId, decision.decision_id, decision.method, decision.score],
  );
}

async function recordProvenance(client: PoolClient, citizenId: string, observation: PersonObservation, changes: Change[], now: Date): Promise<void> {
  if (changes.length === 0) return;
  const fields = changes.map((change) => change.field);
  await client.query('update field_provenance set is_current = false where citizen_id = $1 and field = any($2::text[]) and is_current', [citizenId, fields]);
  await client.query(
    `insert into field_provenance (citizen_id, field, value, source, source_system, source_record_id, observation_id, event_time, applied_at, rule, is_current)
     select $1, f.field, f.value, $2, $3, $4, $5, to_timestamp($6 / 1000.0), $7, 'civil-status-authoritative', true
       from unnest($8::text[], $9::text[]) as f(field, value)`,
    [citizenId, observation.source, observation.source_system, observation.source_record_id, observation.observation_id,
      observation.event_time, now, fields, changes.map((change) => change.new_value)],
  );
}

async function audit(client: PoolClient, action: string, citizenId: string | null, details: object): Promise<void> {
  await client.query('insert into audit_log (actor, action, citizen_id, details) values ($1, $2, $3, $4)', ['pipeline:store', action, citizenId, details]);
}
