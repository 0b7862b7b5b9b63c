import { performance } from 'node:perf_hooks';
import { appliedLatency } from './applied-latency.js';
import { registerBacklog } from './backlog.js';
import { inTransaction, type Pool } from '../store/db.js';
import { REGISTER_FIELDS, REGISTER_SOURCE } from '../register/survivorship.js';
import { tallyCorrectness } from './register-correctness.js';

/**
 * The register's four qualities as numbers (đúng, đủ, sạch, sống): correct, the share of
 * citizens failing a rule; complete, how full each field is and how much the sectors filled;
 * clean, possible duplicates and records waiting for a steward; live, how long an event takes
 * to reach the register, and how old the oldest one still waiting is.
 *
 * Correct and complete come from a pass over every citizen (registerPass), whose cost grows with
 * the register; clean and live from the pipeline's own tables through their indexes
 * (registerFlow), whose cost does not. `measuredAt` is the flow's time, `pass` says when the
 * pass it carries ran and how long it took, so a reader can tell how old each part is.
 */
export interface RegisterQuality extends Omit<RegisterPass, 'measuredAt' | 'seconds'>, RegisterFlow {
  pass: { measuredAt: string; seconds: number };
}

/** Correct and complete: a pass over every citizen, seconds at a million, minutes at national size. */
export interface RegisterPass {
  measuredAt: string;
  /** Wall-clock seconds the pass took. */
  seconds: number;
  citizens: number;
  correct: { failingCitizens: number; failingShare: number; byRule: { code: string; citizens: number }[] };
  complete: { field: string; filled: number; fillRate: number; filledBySources: number; raisedBy: number }[];
}

/** Clean and live: what waits and how fast events arrive, read through indexes whatever the register's size. */
export interface RegisterFlow {
  measuredAt: string;
  clean: { possibleDuplicatePairs: number; recordsInReview: number; recordsUnlinked: number };
  live: {
    sinceSeconds: number;
    applied: number;
    p50Seconds: number | null;
    p95Seconds: number | null;
    p99Seconds: number | null;
    oldestWaitingSeconds: number | null;
  };
}

type GroupRow = { prefix: string | null; sex: string | null; year: string | null; citizens: string } & Record<string, string>;
type FindingRow = { citizen_id: string; code: string; prefix: string | null; sex: string | null; year: string | null };

/** Named apart from the group's own columns: `count(sex) as sex` would hide the group's sex. */
const FILL_COLUMNS = REGISTER_FIELDS.map((field) => `count(${field}) as filled_${field}`).join(', ');

/** The register in groups alike for the ID's rules (register-correctness.ts), each group's fill: one scan. */
const GROUPS = `select left(personal_id, 6) as prefix, sex, left(date_of_birth, 4) as year, count(*) as citizens, ${FILL_COLUMNS}
  from citizens where status <> 'MERGED' group by 1, 2, 3`;

/** The store's findings about citizens that count against them, with what the ID's rules read of each. */
const FINDINGS = `select distinct f.citizen_id, f.code, left(c.personal_id, 6) as prefix, c.sex, left(c.date_of_birth, 4) as year
  from quality_findings f join citizens c using (citizen_id)
 where c.status <> 'MERGED' and f.code in ('SOURCE_DISAGREES_WITH_REGISTER', 'FACT_AFTER_DEATH')`;

/** A field a source filled: its current value came from a source, and the register had none of its own. */
const FILLED_BY_SOURCES = `select p.field, count(*) as n from field_provenance p join citizens c using (citizen_id)
 where p.is_current and c.status <> 'MERGED' and c.origin not like 'source:%' and p.source <> $1
   and not exists (select 1 from field_provenance r where r.citizen_id = p.citizen_id and r.field = p.field and r.source = $1)
 group by p.field`;

/**
 * Correct and complete, over every citizen not merged, read in one snapshot: a citizen whose ID
 * or sex changed between the groups and the findings would otherwise be counted twice or not at
 * all. On one backend: not knowing how few groups there are, PostgreSQL plans a parallel sort of
 * every citizen, on the 10 M register 12.3-13.4 s of CPU for 6.5-7.1 s, against 5.5-6.1 s of CPU,
 * and as long, for one backend's hash table; a background measurement should not take both cores.
 */
export async function registerPass(pool: Pool): Promise<RegisterPass> {
  const started = performance.now();
  const { groups, findings, filledBySources } = await inTransaction(pool, async (client) => {
    await client.query('set transaction isolation level repeatable read, read only');
    await client.query('set local max_parallel_workers_per_gather = 0');
    return {
      groups: (await client.query<GroupRow>(GROUPS)).rows,
      findings: (await client.query<FindingRow>(FINDINGS)).rows,
      filledBySources: (await client.query<{ field: string; n: string }>(FILLED_BY_SOURCES, [REGISTER_SOURCE])).rows,
    };
  });
  const { failingCitizens, byRule } = tallyCorrectness(
    groups.map((group) => ({ prefix: group.prefix, sex: group.sex, year: group.year, citizens: Number(group.citizens) })),
    findings.map((finding) => ({ citizenId: finding.citizen_id, code: finding.code, prefix: finding.prefix, sex: finding.sex, year: finding.year })),
  );
  const sum = (column: string) => groups.reduce((total, group) => total + Number(group[column] ?? 0), 0);
  const citizens = sum('citizens');
  const sourceFilled = new Map(filledBySources.map((row) => [row.field, Number(row.n)]));

  return {
    measuredAt: new Date().toISOString(),
    seconds: (performance.now() - started) / 1000,
    citizens,
    correct: {
      failingCitizens,
      failingShare: citizens === 0 ? 0 : failingCitizens / citizens,
      // Ties by code: the groups come in no fixed order.
      byRule: [...byRule].map(([code, n]) => ({ code, citizens: n })).sort((a, b) => b.citizens - a.citizens || a.code.localeCompare(b.code)),
    },
    complete: REGISTER_FIELDS.map((field) => {
      const n = sum(`filled_${field}`);
      const bySource = sourceFilled.get(field) ?? 0;
      return { field, filled: n, fillRate: citizens === 0 ? 0 : n / citizens, filledBySources: bySource, raisedBy: citizens === 0 ? 0 : bySource / citizens };
    }),
  };
}

/** Clean and live, now: the latency of the events applied in the last `sinceSeconds`. */
export async function registerFlow(pool: Pool, options: { sinceSeconds: number; oldestWaitingSeconds: number | null }): Promise<RegisterFlow> {
  const latency = await appliedLatency(pool, options.sinceSeconds);
  const backlog = await registerBacklog(pool);
  return {
    measuredAt: new Date().toISOString(),
    clean: {
      possibleDuplicatePairs: backlog.possibleDuplicates,
      recordsInReview: backlog.recordsInReview,
      recordsUnlinked: backlog.unlinked,
    },
    live: {
      sinceSeconds: options.sinceSeconds,
      applied: latency.count,
      p50Seconds: latency.p50,
      p95Seconds: latency.p95,
      p99Seconds: latency.p99,
      oldestWaitingSeconds: options.oldestWaitingSeconds,
    },
  };
}

/** The four qualities from a pass and a flow, each keeping its own time. */
export function combineQuality({ measuredAt, seconds, ...pass }: RegisterPass, flow: RegisterFlow): RegisterQuality {
  return { ...pass, ...flow, pass: { measuredAt, seconds } };
}

/** All four, measured now (the CLI's one-off). */
export async function registerQuality(pool: Pool, options: { sinceSeconds: number; oldestWaitingSeconds: number | null }): Promise<RegisterQuality> {
  return combineQuality(await registerPass(pool), await registerFlow(pool, options));
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const secs = (x: number | null) => (x === null ? '-' : `${x.toFixed(2)} s`);

export function formatRegisterQuality(q: RegisterQuality): string[] {
  return [
    `register quality at ${q.measuredAt}: ${q.citizens.toLocaleString('en')} citizens (correct and complete from a pass over every citizen at ${q.pass.measuredAt}, ${q.pass.seconds.toFixed(1)} s)`,
    `correct  ${pct(1 - q.correct.failingShare)} pass every rule; ${q.correct.failingCitizens.toLocaleString('en')} fail one or more${q.correct.byRule.length ? ': ' : ''}${q.correct.byRule.map((r) => `${r.code} ${r.citizens.toLocaleString('en')}`).join(', ')}`,
    'complete field            filled     rate   filled by the sources',
    ...q.complete.map(
      (f) =>
        `         ${f.field.padEnd(16)}${f.filled.toLocaleString('en').padStart(9)}  ${pct(f.fillRate).padStart(7)}   +${pct(f.raisedBy)} (${f.filledBySources.toLocaleString('en')})`,
    ),
    `clean    ${q.clean.possibleDuplicatePairs.toLocaleString('en')} possible duplicate pairs open; ${q.clean.recordsInReview.toLocaleString('en')} records in review; ${q.clean.recordsUnlinked.toLocaleString('en')} waiting unlinked`,
    `live     ${q.live.applied.toLocaleString('en')} events applied in the last ${Math.round(q.live.sinceSeconds / 60)} min: latency p50 ${secs(q.live.p50Seconds)}, p95 ${secs(q.live.p95Seconds)}, p99 ${secs(q.live.p99Seconds)}; oldest event waiting ${secs(q.live.oldestWaitingSeconds)}`,
  ];
}
