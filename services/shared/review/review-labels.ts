import type { LabelledPair } from '../linkage/label-training.js';
import { personToMatchRecord } from '../linkage/match-record.js';
import type { PersonObservation } from '../schemas/records.js';
import { citizenAsPerson, type CitizenRow } from '../register/citizen-row.js';
import { citizenRowColumns } from '../store/citizens-table.js';
import type { Pool } from '../store/db.js';
import { caseCitizens, caseObservation, reviewCaseColumnsOf, type ReviewCase } from '../store/review-case.js';

interface Decided {
  action: 'LINK' | 'NEW' | 'MERGE' | 'DISTINCT';
  citizen_id: string | null;
  other_citizen_id: string | null;
}

/**
 * The stewards' standing decisions as labelled pairs: a record linked to a citizen is that
 * citizen and none of the other candidates; a record made a new citizen is none of its
 * candidates; merged citizens are one person, distinct ones two. Citizens are compared as they
 * are now (a link may have filled some of their fields from the record itself).
 */
export async function decidedPairs(pool: Pool): Promise<LabelledPair[]> {
  const { rows } = await pool.query<ReviewCase & Decided>(
    `select ${reviewCaseColumnsOf('r')}, d.action, d.citizen_id, d.other_citizen_id
       from steward_decisions d join review_cases r on r.case_id = d.case_id
      where d.action in ('LINK', 'NEW', 'MERGE', 'DISTINCT') and d.undone_by is null and d.result->>'status' = 'applied'`,
  );
  const ids = [...new Set(rows.flatMap((row) => caseCitizens(row)))];
  const citizens = new Map(
    (await pool.query<CitizenRow>(`select ${citizenRowColumns()} from citizens where citizen_id = any($1::text[])`, [ids])).rows.map((row) => [
      row.citizen_id,
      personToMatchRecord(row.citizen_id, citizenAsPerson(row)),
    ]),
  );
  const pairs: LabelledPair[] = [];
  for (const row of rows) {
    const observation: PersonObservation | null = caseObservation(row);
    const record = observation ? personToMatchRecord(observation.observation_id, observation.person) : null;
    const involved = caseCitizens(row);
    const add = (a: ReturnType<typeof citizens.get> | null, b: string | null | undefined, match: boolean) => {
      const citizen = b ? citizens.get(b) : undefined;
      if (a && citizen) pairs.push({ record: a, citizen, match });
    };
    if (row.action === 'LINK') for (const id of involved) add(record, id, id === row.citizen_id);
    if (row.action === 'NEW') for (const id of involved) add(record, id, false);
    if (row.action === 'MERGE' || row.action === 'DISTINCT') {
      add(citizens.get(row.citizen_id ?? involved[0]!) ?? null, row.other_citizen_id ?? involved[1], row.action === 'MERGE');
      if (record && row.action === 'MERGE') add(record, row.citizen_id, true);
    }
  }
  return pairs;
}
