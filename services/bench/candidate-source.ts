import { createHash, type Hash } from 'node:crypto';
import { loadConfig as loadCliConfig } from '../cli/config.js';
import { otherDatabaseUrl } from '../cli/stack/postgres-node.js';
import { ConfigError } from '../shared/errors.js';
import { checkComparable } from '../shared/linkage-io/shadow-run.js';
import { loadTermFrequencies, PostgresCandidateSource } from '../shared/linkage-io/postgres-candidates.js';
import type { FirstLookup } from '../shared/linkage/candidate-source.js';
import { LinkageEngine } from '../shared/linkage/engine.js';
import { personToMatchRecord, type MatchRecord } from '../shared/linkage/match-record.js';
import { loadSettings, type LinkageSettings } from '../shared/linkage/settings.js';
import { createPool, type Pool } from '../shared/store/db.js';
import { currentSettingsVersion, settingsOfVersion } from '../shared/store/settings-versions.js';
import { existingRegister, observationOf } from './linkage-set-register.js';
import { machineLine } from './machine.js';
import { dayInVietnam } from '../shared/linkage/age-prior.js';

/**
 * `npm run bench:candidates`: the PostgreSQL candidate source alone, without Kafka or scoring, on
 * a register loaded beforehand (BENCH_REGISTER_DATABASE, e.g. `dancu_national_1000000` as
 * `bench:density` leaves it) and its records (BENCH_RECORDS_FILE). Each pass is a new source (its
 * caches empty) over the first BENCH_EVENTS records in batches of BENCH_BATCH, and prints the Node
 * CPU its lookups took (process.cpuUsage, V8's helper threads included: the measure this noisy
 * machine blurs least) and their wall time; the rest of the wall time is waiting, mostly on
 * PostgreSQL. Every pass hashes every record's candidates (their features, dates and address
 * words, whatever order they came in), untimed; the passes must agree, and a change to how
 * candidates are read must leave the hash as it was. BENCH_LOOKUP=two-step looks up as the
 * linker does when the settings have deterministic links (the first rules, then the others for
 * the records they do not settle; the engine's term frequencies from the register), one-step (the
 * default) every rule at once. Nothing is written to the register.
 */
async function main(): Promise<void> {
  console.log(machineLine());
  const events = positive('BENCH_EVENTS', 20_000);
  const passes = positive('BENCH_PASSES', 3);
  // The streaming linker's batches came to 238 records on average (session 55).
  const batchSize = positive('BENCH_BATCH', 238);
  const database = process.env.BENCH_REGISTER_DATABASE;
  const recordsFile = process.env.BENCH_RECORDS_FILE;
  if (!database || !recordsFile) {
    throw new ConfigError(
      'BENCH_REGISTER_DATABASE and BENCH_RECORDS_FILE name a loaded register and its records (npm run bench:density with BENCH_STEPS=load makes both)',
    );
  }
  const cli = loadCliConfig(process.env);
  const databaseUrl = otherDatabaseUrl(cli.DATABASE_URL, database);
  const { records, citizens } = await existingRegister(databaseUrl, recordsFile, events);
  const matchRecords = records.flatMap((record, index) => {
    const observation = observationOf(record, index);
    return observation ? [personToMatchRecord(observation.observation_id, observation.person)] : [];
  });
  const settings = loadSettings(cli.DANCU_LINKAGE_SETTINGS);
  const twoStep = lookupMode();
  const pool = createPool(databaseUrl, 2);
  try {
    await refuseOtherKeys(pool, settings);
    const firstLookup = twoStep ? await firstLookupOf(pool, settings) : undefined;
    console.log(
      `${matchRecords.length.toLocaleString('en')} records against ${citizens.toLocaleString('en')} citizens, batches of ${batchSize}, ${twoStep ? 'two steps' : 'one step'}`,
    );
    const digests = new Set<string>();
    for (let pass = 1; pass <= passes; pass += 1) {
      const source = new PostgresCandidateSource(pool, settings);
      const hash = createHash('sha256');
      let candidates = 0;
      let cpuSeconds = 0;
      let seconds = 0;
      for (let at = 0; at < matchRecords.length; at += batchSize) {
        const batch = matchRecords.slice(at, at + batchSize);
        const cpu = process.cpuUsage();
        const started = performance.now();
        const found = await source.candidatesFor(batch, firstLookup);
        const used = process.cpuUsage(cpu);
        seconds += (performance.now() - started) / 1000;
        cpuSeconds += (used.user + used.system) / 1e6;
        // Hashed batch by batch, as the linker lets a batch's candidates go: a pass's candidates
        // kept to the end would live on in the old generation and cost the lookups a quarter more.
        candidates += hashBatch(hash, batch, found);
      }
      const digest = hash.digest('hex').slice(0, 16);
      digests.add(digest);
      console.log(
        `pass ${pass}: ${candidates.toLocaleString('en')} candidates, Node CPU ${cpuSeconds.toFixed(2)} s (${Math.round((cpuSeconds * 1e6) / Math.max(1, matchRecords.length))} µs a record), wall ${seconds.toFixed(2)} s, sha256 ${digest}`,
      );
    }
    if (digests.size > 1) throw new Error(`the passes found different candidates (${[...digests].join(', ')}): the source's caches change what it reads`);
  } finally {
    await pool.end();
  }
}

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`${name} must be a positive whole number, not ${process.env[name]}`);
  return value;
}

function lookupMode(): boolean {
  const mode = process.env.BENCH_LOOKUP ?? 'one-step';
  if (mode !== 'one-step' && mode !== 'two-step') throw new ConfigError(`BENCH_LOOKUP must be one-step or two-step, not ${mode}`);
  return mode === 'two-step';
}

/** The linker's lookup in two steps: its engine's, with the register's term frequencies (what settles a record depends on them). */
async function firstLookupOf(pool: Pool, settings: LinkageSettings): Promise<FirstLookup> {
  const firstLookup = new LinkageEngine(settings, await loadTermFrequencies(pool, settings), { asOf: dayInVietnam() }).firstLookup();
  if (!firstLookup) throw new ConfigError('BENCH_LOOKUP=two-step needs settings with deterministic links');
  return firstLookup;
}

/** Settings that block otherwise than the register's keys were made would find fewer candidates without saying so. */
async function refuseOtherKeys(pool: Pool, settings: LinkageSettings): Promise<void> {
  const current = await currentSettingsVersion(pool);
  if (current !== null) checkComparable(await settingsOfVersion(pool, current), settings);
}

/** Adds each record's candidates to `hash` as text that does not depend on the order they came in; gives how many there were. */
function hashBatch(hash: Hash, records: readonly MatchRecord[], found: readonly MatchRecord[][]): number {
  let candidates = 0;
  found.forEach((each, i) => {
    candidates += each.length;
    const lines = each.map((c) => JSON.stringify([c.id, c.features, c.dateOfBirth, [...c.addressTokens].sort()])).sort();
    hash.update(`${records[i]!.id}\n${lines.join('\n')}\n`);
  });
  return candidates;
}

await main().catch((error: unknown) => {
  // A wrong setup is one line; anything else is a bug, with its stack.
  if (!(error instanceof ConfigError)) throw error;
  console.error(`bench:candidates: ${error.message}`);
  process.exitCode = 1;
});
