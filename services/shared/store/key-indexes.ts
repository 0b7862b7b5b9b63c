import type { PoolClient } from './db.js';

/**
 * Runs a bulk write of citizen_blocking_keys with its indexes dropped and rebuilt after (inside
 * the caller's transaction): building an index once over millions of rows is far faster than
 * growing it row by row. Readers wait on the table lock meanwhile, so this is for loads, not traffic.
 */
export async function withKeyIndexesDropped<T>(client: PoolClient, work: () => Promise<T>): Promise<T> {
  await client.query('alter table citizen_blocking_keys drop constraint citizen_blocking_keys_pkey');
  await client.query('drop index citizen_blocking_keys_citizen_idx');
  await client.query('drop index citizen_blocking_keys_term_idx');
  const result = await work();
  await client.query("set local maintenance_work_mem = '512MB'");
  // As migration 029 made them: the key first (far cheaper to sort than the rule first), the term-frequency rows' own index.
  await client.query('alter table citizen_blocking_keys add constraint citizen_blocking_keys_pkey primary key (key, rule, citizen_id)');
  await client.query('create index citizen_blocking_keys_citizen_idx on citizen_blocking_keys (citizen_id)');
  await client.query("create index citizen_blocking_keys_term_idx on citizen_blocking_keys (rule, key) where rule like 'tf:%'");
  return result;
}

/**
 * The register's search index on names (migration 014), dropped before a bulk copy of citizens
 * and built once after it (inside the caller's transaction, so a failed load restores it): grown
 * row by row it made inserting citizens about a third slower; built once over a million, 1.3 s.
 */
export async function dropSearchIndex(client: PoolClient): Promise<void> {
  await client.query('drop index citizens_search_name_idx');
}

export async function buildSearchIndex(client: PoolClient): Promise<void> {
  await client.query("set local maintenance_work_mem = '512MB'");
  await client.query('create index citizens_search_name_idx on citizens ((name_key collate "C"), date_of_birth)');
}

/**
 * After a bulk write, outside any transaction: VACUUM ANALYZE, as index-only scans need the
 * visibility map; ANALYZE alone after rows copied frozen (empty-register-load.ts), which set it.
 */
export async function settleAfterLoad(client: { query: (sql: string) => Promise<unknown> }, frozen: boolean): Promise<void> {
  const settle = frozen ? 'analyze' : 'vacuum (analyze)';
  await client.query(`${settle} citizens`);
  await client.query(`${settle} citizen_blocking_keys`);
}
