import { createHash } from 'node:crypto';
import { loadConfig as loadCliConfig } from '../cli/config.js';
import { otherDatabaseUrl } from '../cli/stack/postgres-node.js';
import { ConfigError } from '../shared/errors.js';
import { PostgresCandidateSource } from '../shared/linkage-io/postgres-candidates.js';
import { personToMatchRecord, type MatchRecord } from '../shared/linkage/match-record.js';
import { loadSettings } from '../shared/linkage/settings.js';
import { createPool } from '../shared/store/db.js';
import { existingRegister, observationOf } from './linkage-set-register.js';
import { machineLine } from './machine.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const PASSES = Number(process.env.BENCH_PASSES ?? 3);
/** Records a lookup is made for at once: the streaming linker's batches came to 238 records on average (session 55). */
const BATCH = Number(process.env.BENCH_BATCH ?? 238);

/**
 * `npm run bench:candidates`: the PostgreSQL candidate source alone, without Kafka or scoring, on
 * a register loaded beforehand (BENCH_REGISTER_DATABASE, e.g. `dancu_national_1000000` as
 * `bench:density` leaves it) and its records (BENCH_RECORDS_FILE). Each pass is a new source (its
 * caches empty) over the first BENCH_EVENTS records in batches of BENCH_BATCH, and prints the Node
 * CPU it took (process.cpuUsage: the measure this noisy machine blurs least) and its wall time,
 * PostgreSQL's share being the difference. The last line is a SHA-256 over every record's
 * candidates (their features, dates and address words, in citizen order): a change to how
 * candidates are read must leave it as it was.
 */
async function main(): Promise<void> {
  console.log(machineLine());
  const database = process.env.BENCH_REGISTER_DATABASE;
  const recordsFile = process.env.BENCH_RECORDS_FILE;
  if (!database || !recordsFile) {
    throw new ConfigError(
      'BENCH_REGISTER_DATABASE and BENCH_RECORDS_FILE name a loaded register and its records (npm run bench:density with BENCH_STEPS=load makes both)',
    );
  }
  const cli = loadCliConfig(process.env);
  const databaseUrl = otherDatabaseUrl(cli.DATABASE_URL, database);
  const { records, citizens } = await existingRegister(databaseUrl, recordsFile, EVENTS);
  const matchRecords = records.flatMap((record, index) => {
    const observation = observationOf(record, index);
    return observation ? [personToMatchRecord(observation.observation_id, observation.person)] : [];
  });
  const settings = loadSettings(cli.DANCU_LINKAGE_SETTINGS);
  const pool = createPool(databaseUrl, 2);
  console.log(`${matchRecords.length.toLocaleString('en')} records against ${citizens.toLocaleString('en')} citizens, batches of ${BATCH}`);
  try {
    let digest = '';
    for (let pass = 1; pass <= PASSES; pass += 1) {
      const source = new PostgresCandidateSource(pool, settings);
      const hash = createHash('sha256');
      let candidates = 0;
      let cpuSeconds = 0;
      let seconds = 0;
      for (let at = 0; at < matchRecords.length; at += BATCH) {
        const batch = matchRecords.slice(at, at + BATCH);
        // Only the lookup is timed, not the hash.
        const cpu = process.cpuUsage();
        const started = performance.now();
        const found = await source.candidatesFor(batch);
        const used = process.cpuUsage(cpu);
        seconds += (performance.now() - started) / 1000;
        cpuSeconds += (used.user + used.system) / 1e6;
        found.forEach((each, i) => {
          candidates += each.length;
          hash.update(`${batch[i]!.id}\n${candidateLines(each)}\n`);
        });
      }
      console.log(
        `pass ${pass}: ${candidates.toLocaleString('en')} candidates, Node CPU ${cpuSeconds.toFixed(2)} s (${Math.round((cpuSeconds * 1e6) / matchRecords.length)} µs a record), wall ${seconds.toFixed(2)} s`,
      );
      digest = hash.digest('hex').slice(0, 16);
    }
    console.log(`candidates: sha256 ${digest}`);
  } finally {
    await pool.end();
  }
}

/** A record's candidates as text that does not depend on the order they came in. */
function candidateLines(candidates: readonly MatchRecord[]): string {
  return candidates
    .map((c) => JSON.stringify([c.id, c.features, c.dateOfBirth, [...c.addressTokens].sort()]))
    .sort()
    .join('\n');
}

await main().catch((error: unknown) => {
  // A wrong setup is one line; anything else is a bug, with its stack.
  if (!(error instanceof ConfigError)) throw error;
  console.error(`bench:candidates: ${error.message}`);
  process.exitCode = 1;
});
