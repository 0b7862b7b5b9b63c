import type { Pool } from '../store/db.js';
import { onCitus } from '../store/store-dialect.js';
import { estimatedRegisterSize } from '../store/register-size.js';
import { citizenMatchFields, type CitizenMatchRow } from '../register/citizen-row.js';
import { citizenMatchColumns } from '../store/citizens-table.js';
import { fallbackKeys, lookupKey, nearKeys, passesFilter } from '../linkage/blocking.js';
import { inStep, type CandidateSource, type FirstLookup } from '../linkage/candidate-source.js';
import { MatchRecordReader, personToMatchRecord, type Feature, type MatchRecord } from '../linkage/match-record.js';
import { storedAddressFeatures } from '../linkage/stored-address-features.js';
import { tfFeatures, type BlockingRule, type LinkageSettings } from '../linkage/settings.js';
import { TermFrequencies } from '../linkage/term-frequencies.js';

/**
 * Candidates from the register in PostgreSQL: every (rule, key) of every record of a batch goes
 * in one query, answered from the primary-key index of citizen_blocking_keys. A few round trips
 * per batch of events (candidatesFor), never one per event; each candidate's row holds only the columns its match
 * record is made from. A rule with a max_block_size reads at most one citizen
 * more than it per key (a LIMIT on the index scan), and a key that reaches that is generic: it
 * brings none, as in memory. Candidates' names, dates and addresses are worked out once per
 * distinct value and kept (bounded) across batches: a candidate's household, namesakes and
 * same-day births share them, and building them was a third of the linker's time.
 */
/** A batch's lookups, one entry per (record, rule) with a key. */
interface Lookups {
  ruleNames: string[];
  keys: string[];
  indexes: number[];
  caps: (number | null)[];
}

type CandidateRow = CitizenMatchRow & { idx: number; rule: string; generic: boolean };

/**
 * A register citizen's match record, from the columns a candidate is read with: the address's
 * features as stored, when they are; through `reader`'s caches when one is given.
 */
export function citizenMatchRecord(row: CitizenMatchRow, reader?: MatchRecordReader): MatchRecord {
  const stored = storedAddressFeatures(row.address_features);
  return reader ? reader.readPerson(row.citizen_id, citizenMatchFields(row), stored) : personToMatchRecord(row.citizen_id, citizenMatchFields(row), stored);
}

function nonNull(key: string | null): string[] {
  return key === null ? [] : [key];
}

export class PostgresCandidateSource implements CandidateSource {
  private readonly rules: Map<string, BlockingRule>;
  private readonly genericCounts = new Map<string, number>();
  private readonly reader = new MatchRecordReader();

  constructor(
    private readonly pool: Pool,
    settings: LinkageSettings,
  ) {
    this.rules = new Map(settings.blocking_rules.map((rule) => [rule.name, rule]));
  }

  /**
   * Each step of a lookup (one, or two with a FirstLookup: the first rules', then the other
   * rules' for the records the first does not settle) in two round trips: the rules' own keys;
   * then, only where some are, the near keys of those that found a holder and the typo variants
   * of those that found nobody (the few records whose ID nobody holds).
   */
  async candidatesFor(records: readonly MatchRecord[], firstLookup?: FirstLookup): Promise<MatchRecord[][]> {
    const found: MatchRecord[][] = records.map(() => []);
    const seen = records.map(() => new Set<string>());
    const all = records.map((_, index) => index);
    await this.step(records, all, (rule) => inStep(firstLookup, 'first', rule.name), found, seen);
    if (!firstLookup) return found;
    const rest = all.filter((index) => !firstLookup.settles(records[index]!, found[index]!));
    if (rest.length > 0) await this.step(records, rest, (rule) => inStep(firstLookup, 'second', rule.name), found, seen);
    return found;
  }

  /** One step: the own keys of the rules `ruleIn` keeps for the records at `indexes`, then their near keys or typo variants. */
  private async step(
    records: readonly MatchRecord[],
    indexes: readonly number[],
    ruleIn: (rule: BlockingRule) => boolean,
    found: MatchRecord[][],
    seen: Set<string>[],
  ): Promise<void> {
    const own = await this.rowsOf(this.lookupsOf(records, indexes, ruleIn, (rule, record) => nonNull(lookupKey(rule, record))));
    this.take(own, records, found, seen);
    const answered = new Set(own.map((row) => `${row.idx}|${row.rule}`));
    const next = this.lookupsOf(records, indexes, ruleIn, (rule, record, index) =>
      answered.has(`${index}|${rule.name}`) ? nearKeys(rule, record) : fallbackKeys(rule, record),
    );
    if (next.keys.length > 0) this.take(await this.rowsOf(next), records, found, seen);
  }

  /** One lookup per (record, rule, key) that `keysOf` gives, for the records at `indexes` and the rules `ruleIn` keeps. */
  private lookupsOf(
    records: readonly MatchRecord[],
    indexes: readonly number[],
    ruleIn: (rule: BlockingRule) => boolean,
    keysOf: (rule: BlockingRule, record: MatchRecord, index: number) => string[],
  ): Lookups {
    const lookups: Lookups = { ruleNames: [], keys: [], indexes: [], caps: [] };
    indexes.forEach((index) => {
      const record = records[index]!;
      for (const rule of this.rules.values()) {
        if (!ruleIn(rule)) continue;
        for (const key of keysOf(rule, record, index)) {
          lookups.ruleNames.push(rule.name);
          lookups.keys.push(key);
          lookups.indexes.push(index);
          lookups.caps.push(rule.max_block_size ?? null);
        }
      }
    });
    return lookups;
  }

  private async rowsOf(lookups: Lookups): Promise<CandidateRow[]> {
    if (lookups.keys.length === 0) return [];
    return (await onCitus(this.pool)) ? this.rowsCountedHere(lookups) : this.rowsCapped(lookups);
  }

  /** Adds the rows' citizens to their records' candidates (each citizen once per record, the rule's filter applied) and counts generic lookups. */
  private take(rows: readonly CandidateRow[], records: readonly MatchRecord[], found: MatchRecord[][], seen: Set<string>[]): void {
    for (const row of rows) {
      if (row.generic) {
        this.genericCounts.set(row.rule, (this.genericCounts.get(row.rule) ?? 0) + 1);
        continue;
      }
      const record = records[row.idx];
      if (!record || seen[row.idx]!.has(row.citizen_id)) continue;
      const citizen = citizenMatchRecord(row, this.reader);
      const rule = this.rules.get(row.rule);
      if (rule && !passesFilter(rule, record, citizen)) continue;
      seen[row.idx]!.add(row.citizen_id);
      found[row.idx]!.push(citizen);
    }
  }

  /**
   * Each key's citizens, at most cap + 1 read per key from the primary-key index; a generic key
   * comes back as one row with no citizen, to be counted. LIMIT null is no limit. Each distinct
   * citizen is read once per query, by one index scan over all of them (`found`, materialised so
   * that the planner cannot fold it back into a nested loop), and joined back to its keys: a nested
   * loop probes `citizens` once per (key, citizen) row.
   */
  private async rowsCapped(lookups: Lookups): Promise<CandidateRow[]> {
    const { rows } = await this.pool.query<CandidateRow>(
      `with keyed as materialized (
         select q.idx, q.rule, m.citizen_id, k.generic
           from unnest($1::text[], $2::text[], $3::int[], $4::int[]) as q(rule, key, idx, cap)
           cross join lateral (
             select array_agg(b.citizen_id) as ids, q.cap is not null and count(*) > q.cap as generic
               from (select citizen_id from citizen_blocking_keys b where b.rule = q.rule and b.key = q.key limit q.cap + 1) b
           ) k
           left join lateral unnest(case when k.generic then null else k.ids end) as m(citizen_id) on true
          where k.ids is not null
       ),
       found as materialized (
         select ${citizenMatchColumns('c')}
           from citizens c
          where c.citizen_id = any(array(select distinct keyed.citizen_id from keyed where keyed.citizen_id is not null))
       )
       select keyed.idx, keyed.rule, keyed.generic, ${citizenMatchColumns('found')}
         from keyed
         left join found on found.citizen_id = keyed.citizen_id`,
      [lookups.ruleNames, lookups.keys, lookups.indexes, lookups.caps],
    );
    return rows;
  }

  /**
   * The same answer for a register distributed on Citus, which cannot push a LIMIT that depends on
   * the outer row into its shards: every key's citizens are read (one plain join, as before the
   * caps) and the caps are applied here, so the decisions are the same on both engines; only the
   * bound on what a generic key costs to read is lost there.
   */
  private async rowsCountedHere(lookups: Lookups): Promise<CandidateRow[]> {
    const { rows } = await this.pool.query<CitizenMatchRow & { idx: number; rule: string }>(
      `select q.idx, q.rule, ${citizenMatchColumns('c')}
         from unnest($1::text[], $2::text[], $3::int[]) as q(rule, key, idx)
         join citizen_blocking_keys b on b.rule = q.rule and b.key = q.key
         join citizens c on c.citizen_id = b.citizen_id`,
      [lookups.ruleNames, lookups.keys, lookups.indexes],
    );
    const capOf = new Map(lookups.indexes.map((idx, i) => [`${idx}|${lookups.ruleNames[i]}`, lookups.caps[i] ?? null]));
    const held = new Map<string, number>();
    for (const row of rows) held.set(`${row.idx}|${row.rule}`, (held.get(`${row.idx}|${row.rule}`) ?? 0) + 1);
    const answered: CandidateRow[] = [];
    const countedGeneric = new Set<string>();
    for (const row of rows) {
      const lookup = `${row.idx}|${row.rule}`;
      const cap = capOf.get(lookup) ?? null;
      // Stored address features are not read on Citus: the trigger that drops them when an address changes is not there (distribute.sql).
      if (cap === null || held.get(lookup)! <= cap) answered.push({ ...row, address_features: null, generic: false });
      else if (!countedGeneric.has(lookup)) {
        countedGeneric.add(lookup);
        answered.push({ ...row, address_features: null, generic: true });
      }
    }
    return answered;
  }

  /** Lookups skipped because their key was generic, per rule name, since the source was made. */
  genericLookups(): Map<string, number> {
    return new Map([...this.rules.keys()].map((name) => [name, this.genericCounts.get(name) ?? 0]));
  }
}

/** Register frequencies of the term-frequency features, from the `tf:<feature>` keys (values seen once are left out). */
export async function loadTermFrequencies(pool: Pool, settings: LinkageSettings): Promise<TermFrequencies> {
  const features = tfFeatures(settings);
  const counts = new Map<Feature, Map<string, number>>(features.map((feature) => [feature, new Map()]));
  const total = await pool.query<{ n: string }>('select count(*) as n from citizens');
  for (const feature of features) {
    // `rule like 'tf:%'` is the term-frequency rows' own index's condition (migration 029): the primary key starts with the key.
    const { rows } = await pool.query<{ key: string; n: string }>(
      "select key, count(*) as n from citizen_blocking_keys where rule = $1 and rule like 'tf:%' group by key having count(*) > 1",
      [`tf:${feature}`],
    );
    for (const row of rows) counts.get(feature)!.set(row.key, Number(row.n));
  }
  return TermFrequencies.fromCounts(Number(total.rows[0]?.n ?? 0), counts);
}

/**
 * The register frequencies of the term-frequency values of a few records only (a case's
 * candidates), counted from the same `tf:<feature>` keys rather than loaded for the whole
 * register; the register's size from the planner's estimate once it has one (a count of a
 * national register takes seconds).
 */
export async function termFrequenciesOf(pool: Pool, settings: LinkageSettings, records: readonly MatchRecord[]): Promise<TermFrequencies> {
  const rules: string[] = [];
  const keys: string[] = [];
  for (const feature of tfFeatures(settings)) {
    for (const record of records) {
      const value = record.features[feature];
      if (value === null) continue;
      rules.push(`tf:${feature}`);
      keys.push(value);
    }
  }
  const [size, counted] = await Promise.all([
    estimatedRegisterSize(pool),
    pool.query<{ rule: string; key: string; n: string }>(
      `select b.rule, b.key, count(*) as n
         from (select distinct rule, key from unnest($1::text[], $2::text[]) as q(rule, key)) q
         join citizen_blocking_keys b on b.rule = q.rule and b.key = q.key
        group by b.rule, b.key`,
      [rules, keys],
    ),
  ]);
  const counts = new Map<Feature, Map<string, number>>();
  for (const row of counted.rows) {
    const feature = row.rule.slice('tf:'.length) as Feature;
    if (!counts.has(feature)) counts.set(feature, new Map());
    counts.get(feature)!.set(row.key, Number(row.n));
  }
  return TermFrequencies.fromCounts(size, counts);
}
