import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { to as copyTo } from 'pg-copy-streams';
import { checkPersonalId } from '../normalise/personal-id.js';
import { appliedLatency } from './applied-latency.js';
import { registerBacklog } from './backlog.js';
import type { Pool } from '../store/db.js';
import { REGISTER_FIELDS, REGISTER_SOURCE } from '../register/survivorship.js';
import { RuleReport } from '../quality/rule-report.js';

/**
 * The register's four qualities as numbers (đúng, đủ, sạch, sống): correct, the share of
 * citizens failing a rule; complete, how full each field is and how much the sectors filled;
 * clean, possible duplicates and records waiting for a steward; live, how long an event takes
 * to reach the register, and how old the oldest one still waiting is.
 */
export interface RegisterQuality {
  measuredAt: string;
  citizens: number;
  correct: { failingCitizens: number; failingShare: number; byRule: { code: string; citizens: number }[] };
  complete: { field: string; filled: number; fillRate: number; filledBySources: number; raisedBy: number }[];
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

/** Rules a citizen's own values can break, run over the whole register with the same checks as ingest, plus the findings the store attached to them. */
async function correctness(pool: Pool): Promise<{ failing: Map<string, Set<string>> }> {
  const failing = new Map<string, Set<string>>();
  const fail = (citizenId: string, code: string) => {
    const codes = failing.get(citizenId) ?? new Set<string>();
    codes.add(code);
    failing.set(citizenId, codes);
  };
  const client = await pool.connect();
  try {
    // Streamed with COPY: a national register does not fit in one result set.
    const rows = client.query(
      copyTo(
        `copy (select citizen_id, personal_id, sex, left(date_of_birth, 4) from citizens where status <> 'MERGED' and personal_id is not null) to stdout with (format csv)`,
      ),
    );
    await pipeline(
      rows,
      parse(),
      new Writable({
        objectMode: true,
        write([citizenId, personalId, sex, year]: string[], _encoding, done) {
          const report = new RuleReport();
          checkPersonalId(personalId!, sex === 'MALE' || sex === 'FEMALE' ? sex : null, year ? Number(year) : null, 'personal_id', report);
          for (const finding of report.findings) fail(citizenId!, finding.code);
          done();
        },
      }),
    );
  } finally {
    client.release();
  }
  const { rows } = await pool.query<{ citizen_id: string; code: string }>(
    `select distinct f.citizen_id, f.code from quality_findings f join citizens c using (citizen_id) where c.status <> 'MERGED'
      and f.code in ('SOURCE_DISAGREES_WITH_REGISTER', 'FACT_AFTER_DEATH')`,
  );
  for (const row of rows) fail(row.citizen_id, row.code);
  return { failing };
}

export async function registerQuality(pool: Pool, options: { sinceSeconds: number; oldestWaitingSeconds: number | null }): Promise<RegisterQuality> {
  const { failing } = await correctness(pool);
  const byRule = new Map<string, number>();
  for (const codes of failing.values()) for (const code of codes) byRule.set(code, (byRule.get(code) ?? 0) + 1);

  // One pass over the register for its size and every field's fill.
  const fillColumns = REGISTER_FIELDS.map((field) => `count(${field}) as ${field}`).join(', ');
  const filled = (await pool.query<Record<string, string>>(`select count(*) as citizens, ${fillColumns} from citizens where status <> 'MERGED'`)).rows[0] ?? {};
  const citizens = Number(filled.citizens ?? 0);
  // A field a source filled: its current value came from a source, and the register had none of its own.
  const bySources = await pool.query<{ field: string; n: string }>(
    `select p.field, count(*) as n from field_provenance p join citizens c using (citizen_id)
      where p.is_current and c.status <> 'MERGED' and c.origin not like 'source:%' and p.source <> $1
        and not exists (select 1 from field_provenance r where r.citizen_id = p.citizen_id and r.field = p.field and r.source = $1)
      group by p.field`,
    [REGISTER_SOURCE],
  );
  const sourceFilled = new Map(bySources.rows.map((row) => [row.field, Number(row.n)]));

  const latency = await appliedLatency(pool, options.sinceSeconds);
  const backlog = await registerBacklog(pool);

  return {
    measuredAt: new Date().toISOString(),
    citizens,
    correct: {
      failingCitizens: failing.size,
      failingShare: citizens === 0 ? 0 : failing.size / citizens,
      byRule: [...byRule].map(([code, n]) => ({ code, citizens: n })).sort((a, b) => b.citizens - a.citizens),
    },
    complete: REGISTER_FIELDS.map((field) => {
      const n = Number(filled[field] ?? 0);
      const bySource = sourceFilled.get(field) ?? 0;
      return { field, filled: n, fillRate: citizens === 0 ? 0 : n / citizens, filledBySources: bySource, raisedBy: citizens === 0 ? 0 : bySource / citizens };
    }),
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

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const secs = (x: number | null) => (x === null ? '-' : `${x.toFixed(2)} s`);

export function formatRegisterQuality(q: RegisterQuality): string[] {
  return [
    `register quality at ${q.measuredAt}: ${q.citizens.toLocaleString('en')} citizens`,
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
