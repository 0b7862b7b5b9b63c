import { judgePair } from '../linkage/dedupe.js';
import { LinkageEngine } from '../linkage/engine.js';
import { recordSettingsVersion } from '../store/settings-versions.js';
import { personToMatchRecord } from '../linkage/match-record.js';
import { loadTermFrequencies } from '../linkage-io/postgres-candidates.js';
import type { BlockingRule, LinkageSettings } from '../linkage/settings.js';
import { TypoNeighbours } from '../linkage/typo-neighbours.js';
import { citizenAsPerson, type CitizenRow } from '../register/citizen-row.js';
import { citizenRowColumns } from '../store/citizens-table.js';
import { duplicateCaseId } from '../store/citizen-merges.js';
import { inTransaction, type Pool } from '../store/db.js';
import { duplicateCandidate, duplicateExplanation } from './duplicate-case.js';

export interface DuplicateScanReport {
  citizens: number;
  pairsCompared: number;
  /** Of the pairs compared, those only a rule's typo lookup brought together (an ID one digit off, or two digits swapped). */
  pairsThroughTypos: number;
  /** Blocks (citizens sharing one key) too large to compare pairwise: named so an operator sees what was not looked at. */
  blocksSkipped: { rule: string; size: number }[];
  pairsFound: number;
  /** Of the pairs found, those a never_link rule holds for (twins): offered with the rule's sentence, never as plain duplicates. */
  pairsUnderNeverLink: number;
  casesOpened: number;
}

const PAIR_BATCH = 5_000;
/** Keys read from the cursor at a time when the typo lookups' keys are gathered. */
const KEY_BATCH = 50_000;

/**
 * Finds pairs of citizens in the register that are likely one person, with the linkage engine:
 * candidate pairs share a blocking key (as a record and a citizen do when linking), each pair is
 * scored with the same comparisons and term frequencies, and a pair at or above the review
 * threshold becomes a POSSIBLE_DUPLICATE review case with its explanation, which names the
 * never_link rule a pair of twins falls under (duplicate-case.ts). A pair already decided is not
 * opened again. Blocks larger than `maxBlock` are skipped and reported. A rule with typo lookups
 * also pairs citizens whose keys are one typo apart, as dedupe-csv does (typo-neighbours.ts): a
 * citizen registered twice with the ID mistyped and every other key damaged is still compared.
 * Rules' filters are not applied: every pair is scored in full.
 */
export async function scanForDuplicates(pool: Pool, settings: LinkageSettings, options: { maxBlock: number }): Promise<DuplicateScanReport> {
  const engine = new LinkageEngine(settings, await loadTermFrequencies(pool, settings));
  await recordSettingsVersion(pool, settings);
  const blockingRules = settings.blocking_rules.map((rule) => rule.name);
  // Grouped by key, then rule: the primary key's order (migration 029), so the blocks are counted as the index is read.
  const skipped = await pool.query<{ rule: string; size: string }>(
    `select rule, count(*) as size from citizen_blocking_keys where rule = any($1::text[]) group by key, rule having count(*) > $2 order by size desc limit 20`,
    [blockingRules, options.maxBlock],
  );
  const { rows: pairs } = await pool.query<{ a: string; b: string }>(
    `with blocks as (select rule, key from citizen_blocking_keys where rule = any($1::text[]) group by key, rule having count(*) between 2 and $2)
     select distinct x.citizen_id as a, y.citizen_id as b
       from blocks join citizen_blocking_keys x using (rule, key) join citizen_blocking_keys y using (rule, key)
      where x.citizen_id < y.citizen_id`,
    [blockingRules, options.maxBlock],
  );
  // Keyed in JavaScript's order (duplicateCaseId's), whatever collation ordered the SQL's pairs.
  const pairKey = (a: string, b: string) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);
  const shared = new Set(pairs.map(({ a, b }) => pairKey(a, b)));
  const throughTypos: { a: string; b: string; typo?: true }[] = [];
  for (const rule of settings.blocking_rules.filter((r) => r.typo_lookup !== undefined)) {
    for (const [a, b] of (await typoNeighboursOf(pool, rule)).pairs()) {
      const key = pairKey(a, b);
      if (shared.has(key)) continue;
      shared.add(key);
      throughTypos.push({ a, b, typo: true });
    }
  }
  const compared: { a: string; b: string; typo?: true }[] = [...pairs, ...throughTypos];
  const report: DuplicateScanReport = {
    citizens: Number((await pool.query<{ n: string }>(`select count(*) as n from citizens where status <> 'MERGED'`)).rows[0]?.n ?? 0),
    pairsCompared: 0,
    pairsThroughTypos: 0,
    blocksSkipped: skipped.rows.map((row) => ({ rule: row.rule, size: Number(row.size) })),
    pairsFound: 0,
    pairsUnderNeverLink: 0,
    casesOpened: 0,
  };
  for (let i = 0; i < compared.length; i += PAIR_BATCH) {
    const batch = compared.slice(i, i + PAIR_BATCH);
    const ids = [...new Set(batch.flatMap((pair) => [pair.a, pair.b]))];
    const citizens = new Map(
      (await pool.query<CitizenRow>(`select ${citizenRowColumns()} from citizens where citizen_id = any($1::text[]) and status <> 'MERGED'`, [ids])).rows.map(
        (row) => [row.citizen_id, row],
      ),
    );
    const cases: unknown[] = [];
    for (const { a, b, typo } of batch) {
      const [first, second] = [citizens.get(a), citizens.get(b)];
      if (!first || !second) continue;
      report.pairsCompared += 1;
      if (typo) report.pairsThroughTypos += 1;
      const judged = judgePair(engine, personToMatchRecord(a, citizenAsPerson(first)), personToMatchRecord(b, citizenAsPerson(second)));
      if (!judged) continue;
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
    if (cases.length === 0) continue;
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
  return report;
}

/** The keys of a rule with typo lookups, every citizen's, read through a cursor (one scan, KEY_BATCH rows in memory at a time). */
export async function typoNeighboursOf(pool: Pool, rule: BlockingRule): Promise<TypoNeighbours> {
  const neighbours = new TypoNeighbours();
  await inTransaction(pool, async (client) => {
    await client.query('declare typo_keys no scroll cursor for select key, citizen_id from citizen_blocking_keys where rule = $1', [rule.name]);
    for (;;) {
      const { rows } = await client.query<{ key: string; citizen_id: string }>(`fetch ${KEY_BATCH} from typo_keys`);
      for (const row of rows) neighbours.add(row.key, row.citizen_id);
      if (rows.length < KEY_BATCH) break;
    }
  });
  return neighbours;
}
