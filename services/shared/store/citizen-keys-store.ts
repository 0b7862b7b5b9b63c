import { citizenKeyRows } from '../linkage/citizen-keys.js';
import { personToMatchRecord } from '../linkage/match-record.js';
import type { LinkageSettings } from '../linkage/settings.js';
import { citizenAsPerson, type CitizenRow } from './citizen-row.js';
import type { PoolClient } from './db.js';

/** Rewrites a citizen's blocking keys inside the caller's transaction, after its fields changed. */
export async function refreshCitizenKeys(client: PoolClient, settings: LinkageSettings, citizen: CitizenRow): Promise<void> {
  const rows = citizenKeyRows(settings, personToMatchRecord(citizen.citizen_id, citizenAsPerson(citizen)));
  await client.query('delete from citizen_blocking_keys where citizen_id = $1', [citizen.citizen_id]);
  await client.query(
    'insert into citizen_blocking_keys (rule, key, citizen_id) select r, k, $3 from unnest($1::text[], $2::text[]) as t(r, k) on conflict do nothing',
    [rows.map((row) => row.rule), rows.map((row) => row.key), citizen.citizen_id],
  );
}
