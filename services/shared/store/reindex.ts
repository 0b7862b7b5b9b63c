import { citizenKeyRows } from '../linkage/citizen-keys.js';
import { citizenRecordAndStoredFeatures } from '../linkage/stored-address-features.js';
import type { LinkageSettings } from '../linkage/settings.js';
import type { PersonObservation } from '../schemas/records.js';
import { citizenAsPerson, type CitizenRow } from '../register/citizen-row.js';
import { citizenRowColumns } from './citizens-table.js';
import { inTransaction, type Pool, type PoolClient } from './db.js';
import { settleAfterLoad, withKeyIndexesDropped } from './key-indexes.js';
import { DUPLICATE_REASON } from './review-case.js';
import { recordKeysOf } from './plan/record-keys.js';
import { onCitus } from './store-dialect.js';

const PAGE = 5_000;

/**
 * Rewrites all blocking keys from the current settings, in one transaction (the linker never sees
 * half an index): the citizens', and those of the records that wait to be looked at again when a
 * citizen in reach is registered (waiting unlinked, or in a review case).
 */
export async function reindexCitizens(pool: Pool, settings: LinkageSettings, onProgress?: (done: number) => void): Promise<number> {
  const count = await inTransaction(pool, async (client) => {
    await client.query('truncate citizen_blocking_keys');
    const citizens = await withKeyIndexesDropped(client, () => writeAllKeys(client, settings, onProgress));
    await writeRecordKeys(client, settings, 'unlinked_keys', 'select observation from unlinked_records where resolved_at is null');
    await writeRecordKeys(client, settings, 'review_case_keys', `select observation from review_cases where reason <> '${DUPLICATE_REASON}'`);
    return citizens;
  });
  await settleAfterLoad(pool, false);
  return count;
}

export type ReadCitizen = CitizenRow & { address_features: string | null };

/**
 * The page's citizens whose stored address features (`stored`, one per row, null without an
 * address) differ from what they hold (missing: a register loaded before migration 037; of
 * another version: before linkage read addresses as it does now) get them, so that the linker
 * reads them rather than working them out; rows already right are not written. Exported for the
 * test of a citizen whose address changes between the page's read and this write.
 */
export async function stampAddressFeatures(client: PoolClient, rows: readonly ReadCitizen[], stored: readonly (string | null)[]): Promise<void> {
  const stale = rows.flatMap((row, i) => (stored[i] === row.address_features ? [] : [{ id: row.citizen_id, address: row.address, stored: stored[i] ?? null }]));
  if (stale.length === 0) return;
  // Only where the address is still the one read: an address changed meanwhile (an operator's SQL) keeps the trigger's null.
  await client.query(
    `update citizens c set address_features = x.stored from unnest($1::text[], $2::text[], $3::text[]) as x(id, address, stored)
      where c.citizen_id = x.id and c.address is not distinct from x.address`,
    [stale.map((row) => row.id), stale.map((row) => row.address), stale.map((row) => row.stored)],
  );
}

/** Every citizen's keys but a merged one's: a merge deletes those (citizen-merges.ts), and a survivor's duplicate is no candidate. */
async function writeAllKeys(client: PoolClient, settings: LinkageSettings, onProgress?: (done: number) => void): Promise<number> {
  const citus = await onCitus(client);
  let after = '';
  let done = 0;
  for (;;) {
    const { rows } = await client.query<ReadCitizen>(
      `select ${citizenRowColumns()}, address_features from citizens where citizen_id > $1 and status <> 'MERGED' order by citizen_id limit $2`,
      [after, PAGE],
    );
    if (rows.length === 0) return done;
    const read = rows.map((row) => citizenRecordAndStoredFeatures(row.citizen_id, citizenAsPerson(row)));
    const keys = rows.flatMap((row, i) => citizenKeyRows(settings, read[i]!.record).map((key) => ({ ...key, citizen: row.citizen_id })));
    await client.query('insert into citizen_blocking_keys (rule, key, citizen_id) select * from unnest($1::text[], $2::text[], $3::text[])', [
      keys.map((k) => k.rule),
      keys.map((k) => k.key),
      keys.map((k) => k.citizen),
    ]);
    // On Citus the stored features are not read (migration 037): nothing to stamp.
    if (!citus)
      await stampAddressFeatures(
        client,
        rows,
        read.map((citizen) => citizen.stored),
      );
    done += rows.length;
    after = rows[rows.length - 1]!.citizen_id;
    onProgress?.(done);
  }
}

async function writeRecordKeys(client: PoolClient, settings: LinkageSettings, table: 'unlinked_keys' | 'review_case_keys', records: string): Promise<void> {
  await client.query(`delete from ${table}`);
  const { rows } = await client.query<{ observation: PersonObservation }>(records);
  const keys = rows.flatMap(({ observation }) => recordKeysOf(settings, observation).map((key) => ({ ...key, observation: observation.observation_id })));
  await client.query(`insert into ${table} (rule, key, observation_id) select * from unnest($1::text[], $2::text[], $3::text[]) on conflict do nothing`, [
    keys.map((k) => k.rule),
    keys.map((k) => k.key),
    keys.map((k) => k.observation),
  ]);
}
