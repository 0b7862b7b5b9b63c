import { judgePair, type PairJudgement } from '../linkage/dedupe.js';
import { LinkageEngine } from '../linkage/engine.js';
import { recordSettingsVersion } from '../store/settings-versions.js';
import { CompactRegister } from '../linkage/compact-register.js';
import { MatchRecordReader, type MatchRecord } from '../linkage/match-record.js';
import { loadTermFrequencies } from '../linkage-io/postgres-candidates.js';
import { DEFAULT_MAX_BLOCK, type BlockingRule, type LinkageSettings } from '../linkage/settings.js';
import { looksUp } from '../linkage/blocking.js';
import { TypoNeighbours } from '../linkage/typo-neighbours.js';
import { citizenAsPerson, type CitizenRow } from '../register/citizen-row.js';
import { citizenRowColumns } from '../store/citizens-table.js';
import { duplicateCaseId } from '../store/citizen-merges.js';
import { inTransaction, type Pool, type PoolClient } from '../store/db.js';
import { duplicateCandidate, duplicateExplanation } from './duplicate-case.js';

export interface DuplicateScanReport {
  citizens: number;
  pairsCompared: number;
  /** Of the pairs compared, those only a rule's typo lookup brought together (an ID one digit off, or two digits swapped). */
  pairsThroughTypos: number;
  /** The largest blocks (citizens sharing one key) too large to compare pairwise, at most SKIPPED_NAMED: named so an operator sees what was not looked at. */
  blocksSkipped: { rule: string; size: number }[];
  /** How many blocks were skipped in all. */
  blocksSkippedCount: number;
  pairsFound: number;
  /** Of the pairs found, those a never_link rule holds for (twins): offered with the rule's sentence, never as plain duplicates. */
  pairsUnderNeverLink: number;
  casesOpened: number;
}

/** Pairs scored at a time. */
const PAIR_BATCH = 20_000;
/** Rows read from a cursor at a time when the register's citizens, or the typo lookups' keys, are gathered. */
const KEY_BATCH = 50_000;
/** Skipped blocks named in the report, the largest first. */
const SKIPPED_NAMED = 20;

interface ScanPair {
  a: string;
  b: string;
  typo: boolean;
}

/**
 * Finds pairs of citizens in the register that are likely one person, with the linkage engine:
 * candidate pairs share a blocking key (as a record and a citizen do when linking), each pair is
 * scored with the same comparisons and term frequencies, and a pair at or above the review
 * threshold becomes a POSSIBLE_DUPLICATE review case with its explanation, which names the
 * never_link rule a pair of twins falls under (duplicate-case.ts). A pair already decided is not
 * opened again. A block larger than the rule's max_block_size (the linker's bound, and
 * dedupe-csv's; DEFAULT_MAX_BLOCK for a rule without one), or than `maxBlock` when given, is
 * skipped and reported. A rule with typo lookups also pairs citizens whose keys are one typo
 * apart, as dedupe-csv does (typo-neighbours.ts): a citizen registered twice with the ID mistyped
 * and every other key damaged is still compared. Rules' filters are not applied: every pair is
 * judged (given up unscored only when it cannot reach review: judgePair). The pairs stream from a cursor, PAIR_BATCH at a time: a million citizens give
 * some sixteen million of them, too many to hold. The citizens are read once, before the pairs,
 * into a compact register (scanRegisterOf): a pair's records are read from it, not made again
 * (a citizen is in some sixteen pairs), so the pairs are judged as the register stood when the
 * scan began; a case is opened only on citizens not merged since, with their rows as they are.
 */
export async function scanForDuplicates(pool: Pool, settings: LinkageSettings, options: { maxBlock?: number } = {}): Promise<DuplicateScanReport> {
  const engine = new LinkageEngine(settings, await loadTermFrequencies(pool, settings));
  await recordSettingsVersion(pool, settings);
  const register = await scanRegisterOf(pool);
  const rules = settings.blocking_rules.map((rule) => rule.name);
  const bounds = settings.blocking_rules.map((rule) => options.maxBlock ?? rule.max_block_size ?? DEFAULT_MAX_BLOCK);
  // Grouped by key, then rule: the primary key's order (migration 029), so the blocks are counted as the index is read.
  const skipped = await pool.query<{ rule: string; size: string; blocks: string }>(
    `select rule, count(*) as size, count(*) over () as blocks from citizen_blocking_keys join unnest($1::text[], $2::int[]) as r(rule, bound) using (rule)
      group by key, rule having count(*) > max(r.bound) order by size desc limit ${SKIPPED_NAMED}`,
    [rules, bounds],
  );
  const typos: [string, string][] = [];
  for (const [r, rule] of settings.blocking_rules.entries()) {
    if (rule.typo_lookup !== undefined) typos.push(...(await typoNeighboursOf(pool, rule)).pairs(bounds[r], (key) => looksUp(rule, key)));
  }
  const report: DuplicateScanReport = {
    citizens: register.size,
    pairsCompared: 0,
    pairsThroughTypos: 0,
    blocksSkipped: skipped.rows.map((row) => ({ rule: row.rule, size: Number(row.size) })),
    blocksSkippedCount: Number(skipped.rows[0]?.blocks ?? 0),
    pairsFound: 0,
    pairsUnderNeverLink: 0,
    casesOpened: 0,
  };
  await eachPairBatch(pool, rules, bounds, typos, async (batch) => judgeBatch(pool, engine, register, batch, report));
  return report;
}

/**
 * Hands the scan's pairs to `work`, PAIR_BATCH at a time, from a cursor: each pair once, those
 * sharing a key in a bounded block first, then those only the typo lookups found (`typo`). The
 * pairs sharing a key are ordered by SQL's `<` on citizen ids, the typo pairs put in that order by
 * SQL too, so a pair found both ways is one. The cursor is held past its transaction (WITH HOLD:
 * PostgreSQL keeps its rows when the transaction commits), so no snapshot stays open while the
 * pairs are judged, which at a national register takes hours and would hold back vacuum.
 */
async function eachPairBatch(
  pool: Pool,
  rules: string[],
  bounds: number[],
  typos: [string, string][],
  work: (batch: ScanPair[]) => Promise<void>,
): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('begin');
    await client.query(
      `declare scan_pairs no scroll cursor with hold for
       with blocks as (select rule, key from citizen_blocking_keys join unnest($1::text[], $2::int[]) as r(rule, bound) using (rule)
                        group by key, rule having count(*) between 2 and max(r.bound)),
            shared as (select distinct x.citizen_id as a, y.citizen_id as b
                         from blocks join citizen_blocking_keys x using (rule, key) join citizen_blocking_keys y using (rule, key)
                        where x.citizen_id < y.citizen_id),
            typo as (select distinct least(t.a, t.b) as a, greatest(t.a, t.b) as b from unnest($3::text[], $4::text[]) as t(a, b))
       select a, b, false as typo from shared
       union all
       select a, b, true from typo where not exists (select 1 from shared where shared.a = typo.a and shared.b = typo.b)`,
      [rules, bounds, typos.map(([a]) => a), typos.map(([, b]) => b)],
    );
    await client.query('commit');
    await eachFetched<ScanPair>(client, 'scan_pairs', PAIR_BATCH, work);
    await client.query('close scan_pairs');
  } catch (error) {
    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    // A connection left in a transaction, or holding the cursor, is not given back to the pool: it is closed.
    client.release(broken);
  }
}

/** Scores a batch of pairs (citizens not in the register read at the start, merged or new since, left out) and opens a case for each pair at or above review. */
async function judgeBatch(pool: Pool, engine: LinkageEngine, register: CompactRegister, batch: ScanPair[], report: DuplicateScanReport): Promise<void> {
  // A citizen's pairs come together (the cursor's order): its record is made from the register's row once per batch.
  const records = new Map<number, MatchRecord>();
  const recordOf = (index: number): MatchRecord => {
    let record = records.get(index);
    if (!record) records.set(index, (record = register.get(index)));
    return record;
  };
  const found: { a: string; b: string; judged: PairJudgement }[] = [];
  for (const { a, b, typo } of batch) {
    const [first, second] = [register.indexOf(a), register.indexOf(b)];
    if (first < 0 || second < 0) continue;
    report.pairsCompared += 1;
    if (typo) report.pairsThroughTypos += 1;
    const judged = judgePair(engine, recordOf(first), recordOf(second));
    if (judged) found.push({ a, b, judged });
  }
  if (found.length === 0) return;
  const ids = [...new Set(found.flatMap((pair) => [pair.a, pair.b]))];
  const citizens = new Map(
    (await pool.query<CitizenRow>(`select ${citizenRowColumns()} from citizens where citizen_id = any($1::text[]) and status <> 'MERGED'`, [ids])).rows.map(
      (row) => [row.citizen_id, row],
    ),
  );
  const cases: unknown[] = [];
  for (const { a, b, judged } of found) {
    const first = citizens.get(a);
    if (!first || !citizens.has(b)) continue;
    report.pairsFound += 1;
    if (judged.neverLink) report.pairsUnderNeverLink += 1;
    cases.push({
      observation_id: duplicateCaseId(a, b),
      decision_id: `${duplicateCaseId(a, b)}:scan`,
      reason: 'POSSIBLE_DUPLICATE',
      source: 'register',
      observation: { citizen_id: a, person: citizenAsPerson(first) },
      candidates: [duplicateCandidate(b, judged)],
      explanation: duplicateExplanation(engine, judged),
      settings_version: engine.settingsVersion,
    });
  }
  if (cases.length === 0) return;
  const opened = await pool.query(
    `insert into review_cases (observation_id, decision_id, reason, source, observation, candidates, explanation, settings_version)
     select observation_id, decision_id, reason, source, observation, candidates, explanation, settings_version
       from jsonb_to_recordset($1::jsonb) as x(observation_id text, decision_id text, reason text, source text, observation jsonb, candidates jsonb, explanation jsonb,
                                               settings_version text)
     on conflict (observation_id) do nothing`,
    [JSON.stringify(cases)],
  );
  report.casesOpened += opened.rowCount ?? 0;
}

/**
 * The citizens not merged, read through a cursor (KEY_BATCH rows at a time) into a compact
 * register: a million take some hundreds of megabytes, where a match record each would take
 * gigabytes. Each batch's names, dates and addresses are worked out once (MatchRecordReader); a
 * reader per batch keeps its caches bounded.
 */
async function scanRegisterOf(pool: Pool): Promise<CompactRegister> {
  const citizens = new CompactRegister();
  await inTransaction(pool, async (client) => {
    await client.query(`declare scan_citizens no scroll cursor for select ${citizenRowColumns()} from citizens where status <> 'MERGED'`);
    await eachFetched<CitizenRow>(client, 'scan_citizens', KEY_BATCH, async (rows) => {
      const reader = new MatchRecordReader();
      for (const row of rows) citizens.add(reader.readPerson(row.citizen_id, citizenAsPerson(row)));
    });
  });
  return citizens;
}

/** The keys of a rule with typo lookups, every citizen's, read through a cursor (one scan, KEY_BATCH rows in memory at a time). */
async function typoNeighboursOf(pool: Pool, rule: BlockingRule): Promise<TypoNeighbours> {
  const neighbours = new TypoNeighbours();
  await inTransaction(pool, async (client) => {
    await client.query('declare typo_keys no scroll cursor for select key, citizen_id from citizen_blocking_keys where rule = $1', [rule.name]);
    await eachFetched<{ key: string; citizen_id: string }>(client, 'typo_keys', KEY_BATCH, async (rows) => {
      for (const row of rows) neighbours.add(row.key, row.citizen_id);
    });
  });
  return neighbours;
}

/** Hands a declared cursor's rows to `work`, `size` at a time, until it is read to its end. */
async function eachFetched<T extends object>(client: PoolClient, cursor: string, size: number, work: (rows: T[]) => Promise<void>): Promise<void> {
  for (;;) {
    const { rows } = await client.query<T>(`fetch ${size} from ${cursor}`);
    if (rows.length > 0) await work(rows);
    if (rows.length < size) return;
  }
}
