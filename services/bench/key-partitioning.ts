import pg from 'pg';
import { loadConfig } from '../cli/config.js';
import { createDatabase, dropDatabase, otherDatabaseUrl } from '../cli/stack/postgres-node.js';
import { percentile } from './percentile.js';
import { machineLine } from './machine.js';

const CITIZENS = Number(process.env.BENCH_CITIZENS ?? 10_000_000);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 16);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 40);
const RECORDS_PER_BATCH = 1_000;
const SLICES = 10;
const DATABASE = process.env.BENCH_DATABASE ?? 'dancu_bench_keys';

/**
 * The register's blocking keys as the linker's rules make them: the personal ID (one citizen a
 * key) and six name/date/address rules whose blocks hold a few citizens each (the 1 M national
 * register's name-and-year block holds 5.4 on average), keys as long as the real ones.
 */
const RULES: readonly { rule: string; blockSize: number }[] = [
  { rule: 'personal_id', blockSize: 1 },
  { rule: 'dob_family', blockSize: 3 },
  { rule: 'dob_given', blockSize: 5 },
  { rule: 'dob_address_numbers', blockSize: 2 },
  { rule: 'name_birth_year', blockSize: 6 },
  { rule: 'family_given_address_numbers', blockSize: 4 },
  { rule: 'family_given_year', blockSize: 8 },
];

/** A key's SQL: 24 hexadecimal characters from the rule and the citizen's block, as long as a real name-and-date key. */
const KEY = (ruleSql: string, blockSql: string) => `substr(md5(${ruleSql} || ':' || (${blockSql})::text), 1, 24)`;

interface Variant {
  name: string;
  create: string;
}

const VARIANTS: readonly Variant[] = [
  { name: 'one table', create: 'create table keys (rule text not null, key text not null, citizen_id text not null)' },
  {
    name: `hash-partitioned by key, ${PARTITIONS} partitions`,
    create: [
      'create table keys (rule text not null, key text not null, citizen_id text not null) partition by hash (key)',
      ...Array.from({ length: PARTITIONS }, (_, i) => `create table keys_${i} partition of keys for values with (modulus ${PARTITIONS}, remainder ${i})`),
    ].join(';\n'),
  },
];

async function timed(client: pg.Client, sql: string, values: unknown[] = []): Promise<number> {
  const started = performance.now();
  await client.query(sql, values);
  return (performance.now() - started) / 1000;
}

/** Every citizen's seven keys, in slices so progress shows; one statement per slice. */
async function fill(client: pg.Client): Promise<number> {
  let seconds = 0;
  const per = Math.ceil(CITIZENS / SLICES);
  for (let slice = 0; slice < SLICES; slice += 1) {
    const [from, to] = [slice * per + 1, Math.min(CITIZENS, (slice + 1) * per)];
    const selects = RULES.map(
      ({ rule, blockSize }) => `select '${rule}', ${KEY(`'${rule}'`, `i / ${blockSize}`)}, lpad(i::text, 12, '0') from generate_series(${from}, ${to}) as i`,
    );
    seconds += await timed(client, `insert into keys (rule, key, citizen_id) ${selects.join(' union all ')}`);
    process.stderr.write(`  filled ${to.toLocaleString('en')} citizens, ${seconds.toFixed(0)} s\n`);
  }
  return seconds;
}

/**
 * The linker's candidate query for a batch of records (postgres-candidates.ts, without the join to
 * citizens, which is the same for both variants): every (rule, key) of 1,000 registered citizens.
 */
async function lookups(client: pg.Client): Promise<{ ms: number[]; rows: number }> {
  const ms: number[] = [];
  let rows = 0;
  for (let batch = 0; batch < BATCHES; batch += 1) {
    const citizens = Array.from({ length: RECORDS_PER_BATCH }, () => 1 + Math.floor(Math.random() * CITIZENS));
    const { rows: probes } = await client.query<{ rule: string; key: string }>(
      `select r.rule, ${KEY('r.rule', 'c / r.block')} as key from unnest($1::int[]) as c
         cross join unnest($2::text[], $3::int[]) as r(rule, block)`,
      [citizens, RULES.map((r) => r.rule), RULES.map((r) => r.blockSize)],
    );
    const started = performance.now();
    const found = await client.query(
      'select q.rule, k.citizen_id from unnest($1::text[], $2::text[]) as q(rule, key) join keys k on k.rule = q.rule and k.key = q.key',
      [probes.map((p) => p.rule), probes.map((p) => p.key)],
    );
    ms.push(performance.now() - started);
    rows += found.rowCount ?? 0;
  }
  return { ms, rows };
}

async function measure(databaseUrl: string, variant: Variant): Promise<string> {
  await dropDatabase(databaseUrl);
  await createDatabase(databaseUrl);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("set maintenance_work_mem = '1GB'");
    await client.query(variant.create);
    process.stderr.write(`${variant.name}: filling\n`);
    const filled = await fill(client);
    process.stderr.write(`${variant.name}: building the primary key\n`);
    const indexed = await timed(client, 'alter table keys add primary key (rule, key, citizen_id)');
    await timed(client, 'vacuum analyze keys');
    const { rows: size } = await client.query<{ heap: string; index: string }>(
      `select sum(pg_table_size(oid))::bigint as heap, sum(pg_indexes_size(oid))::bigint as index
         from pg_class where relkind = 'r' and relname ~ '^keys(_[0-9]+)?$'`,
    );
    await lookups(client);
    const { ms, rows } = await lookups(client);
    const gb = (bytes: string | undefined) => (Number(bytes ?? 0) / 2 ** 30).toFixed(2);
    const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
    const sorted = [...ms].sort((a, b) => a - b);
    return `| ${variant.name} | ${filled.toFixed(0)} s | ${indexed.toFixed(0)} s | ${gb(size[0]?.heap)} GB | ${gb(size[0]?.index)} GB | ${mean.toFixed(1)} / ${percentile(sorted, 0.5).toFixed(1)} / ${percentile(sorted, 0.99).toFixed(1)} ms | ${(rows / ms.length).toFixed(0)} |`;
  } finally {
    await client.end();
    await dropDatabase(databaseUrl);
  }
}

/**
 * `npm run bench:key-partitioning`: the register's blocking keys (BENCH_CITIZENS citizens, seven
 * keys each) in one table and hash-partitioned by key, side by side: the time to fill them and to
 * build their primary key, their size, and the linker's candidate lookup per batch of 1,000
 * records (after one warm-up pass of as many batches). One database, dropped after each variant.
 */
async function main(): Promise<void> {
  console.log(machineLine());
  console.log(
    `${CITIZENS.toLocaleString('en')} citizens, ${(CITIZENS * RULES.length).toLocaleString('en')} keys, ${BATCHES} lookups of ${RECORDS_PER_BATCH.toLocaleString('en')} records`,
  );
  const databaseUrl = otherDatabaseUrl(loadConfig(process.env).DATABASE_URL, DATABASE);
  const lines = [
    '| keys table | fill | primary key | heap | index | lookup per batch, mean / p50 / p99 | keys found per batch |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const variant of VARIANTS) lines.push(await measure(databaseUrl, variant));
  console.log(lines.join('\n'));
}

await main();
