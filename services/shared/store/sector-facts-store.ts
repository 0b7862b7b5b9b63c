import { RULES } from '../quality/rules.js';
import type { Finding, PersonObservation, SectorFact } from '../schemas/records.js';
import { CIVIL_STATUS_SOURCE } from '../sources/civil-status.js';
import type { CitizenRow } from '../register/citizen-row.js';
import type { PoolClient } from './db.js';

/** Facts that cannot happen to a dead person: dated after a registered death, they are findings. */
export const LIVING_FACT_KINDS = [
  'VACCINATION',
  'BENEFIT_ENROLMENT',
  'BENEFIT_CHANGE',
  'BENEFIT_PAYMENT',
  'LICENCE_ISSUED',
  'LICENCE_RENEWED',
  'MARRIAGE_REGISTRATION',
] as const;

// Attributes the store derives or keeps elsewhere, not part of the sector's fact.
const NOT_FACT_DETAILS = new Set(['address_province_2025', 'marital_status']);

/** The sector fact an observation adds to a citizen's history; births, deaths and changes live in the fields instead. */
export function factOf(observation: PersonObservation): SectorFact | null {
  if (observation.change_type === 'DELETE') return null;
  if (observation.source === CIVIL_STATUS_SOURCE && observation.event_type !== 'MARRIAGE_REGISTRATION') return null;
  const details = Object.fromEntries(Object.entries(observation.attributes).filter(([key]) => !NOT_FACT_DETAILS.has(key)));
  return { kind: observation.event_type, date: observation.event_date, details };
}

/** A fact dated after a registered death (a partial date of death counts to its last day): only a fact surely after it. */
export function afterDeath(kind: string, date: string | null, citizen: Pick<CitizenRow, 'status' | 'date_of_death'>): boolean {
  if (citizen.status !== 'DECEASED' || !citizen.date_of_death || !date) return false;
  if (!(LIVING_FACT_KINDS as readonly string[]).includes(kind)) return false;
  return date.slice(0, citizen.date_of_death.length) > citizen.date_of_death;
}

/**
 * The facts of citizens whose death was just recorded that are dated after it (the death was
 * registered late), as FACT_AFTER_DEATH findings; one query for all of them.
 */
export async function factsAfterDeath(
  client: PoolClient,
  citizenIds: readonly string[],
): Promise<{ observation: { observation_id: string; source: string }; citizenId: string; finding: Finding }[]> {
  if (citizenIds.length === 0) return [];
  const { rows } = await client.query<{
    observation_id: string;
    source: string;
    citizen_id: string;
    kind: string;
    fact_date: string | null;
    status: CitizenRow['status'];
    date_of_death: string | null;
  }>(
    `select f.observation_id, f.source, f.citizen_id, f.kind, f.fact_date, c.status, c.date_of_death
       from citizen_facts f join citizens c using (citizen_id) where f.citizen_id = any($1::text[]) and f.withdrawn_at is null`,
    [citizenIds],
  );
  return rows
    .filter((r) => afterDeath(r.kind, r.fact_date, r))
    .map((r) => ({
      observation: r,
      citizenId: r.citizen_id,
      finding: { code: 'FACT_AFTER_DEATH', field: 'event_date', message: RULES.FACT_AFTER_DEATH.description },
    }));
}

/** A source record deleted at its source: its facts stay in the history, withdrawn. */
export async function withdrawFacts(client: PoolClient, observation: PersonObservation): Promise<void> {
  await client.query(
    'update citizen_facts set withdrawn_at = now() where source = $1 and source_system = $2 and source_record_id = $3 and withdrawn_at is null',
    [observation.source, observation.source_system, observation.source_record_id],
  );
}
