import { readdirSync, readFileSync } from 'node:fs';
import type { Admin, Kafka } from 'kafkajs';
import { readTopicSnapshot } from '../shared/kafka/topic-snapshot.js';
import type { Pool } from '../shared/store/db.js';

/**
 * The per-event cost of a pipeline run, measured from outside the services: CPU of every process
 * on the machine by role (/proc), bytes per message per topic, rows written per table and
 * statements run (PostgreSQL's statistics). Taken before and after a run; the difference divided
 * by the events is the budget issue 13 asks to keep current.
 */

const TICKS_PER_SECOND = 100;

/** Which role a process plays, from its command line; null for processes of no interest. */
export function roleOf(cmdline: string): string | null {
  const service = /dancu\.js run (\w+)/.exec(cmdline);
  if (service) return service[1]!;
  if (cmdline.includes('kafka.Kafka')) return 'kafka';
  if (cmdline.includes('apicurio-registry')) return 'registry';
  if (cmdline.startsWith('postgres')) return 'postgresql';
  if (cmdline.includes('pipeline-load.js')) return 'benchmark (publisher)';
  return null;
}

/** CPU seconds used so far, per process, of the processes with a role. */
export function cpuSnapshot(): Map<number, { role: string; seconds: number }> {
  const snapshot = new Map<number, { role: string; seconds: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const role = roleOf(readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' '));
      if (!role) continue;
      // Fields after the command name (which may hold spaces) start at state: utime and stime are the 12th and 13th of them.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      snapshot.set(Number(entry), { role, seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND });
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return snapshot;
}

/** CPU seconds per role between two snapshots; a process that started in between counts whole (one that ended is lost, so read before stopping). */
export function cpuByRole(before: Map<number, { role: string; seconds: number }>, after: Map<number, { role: string; seconds: number }>): Map<string, number> {
  const byRole = new Map<string, number>();
  for (const [pid, { role, seconds }] of after) byRole.set(role, (byRole.get(role) ?? 0) + seconds - (before.get(pid)?.seconds ?? 0));
  return byRole;
}

/** Rows inserted, updated and deleted so far, per table. */
export async function tableWrites(pool: Pool): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ relname: string; n: string }>('select relname, n_tup_ins + n_tup_upd + n_tup_del as n from pg_stat_user_tables');
  return new Map(rows.map((row) => [row.relname, Number(row.n)]));
}

/** Statements executed and transactions committed so far in the database (statements need pg_stat_statements; null without it). */
export async function databaseActivity(pool: Pool): Promise<{ statements: number | null; transactions: number }> {
  const xact = await pool.query<{ n: string }>('select xact_commit as n from pg_stat_database where datname = current_database()');
  const statements = await pool
    .query<{ n: string }>('select sum(calls) as n from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())')
    .then((result) => Number(result.rows[0]?.n ?? 0))
    .catch(() => null);
  return { statements, transactions: Number(xact.rows[0]?.n ?? 0) };
}

/** Turns on statement counting where the server preloads pg_stat_statements (the stack's own cluster does). */
export async function enableStatementCounts(pool: Pool): Promise<boolean> {
  return pool
    .query('create extension if not exists pg_stat_statements')
    .then(() => true)
    .catch(() => false);
}

/** Messages and bytes (key, value and headers) on each topic, read back whole. */
export async function topicBytes(kafka: Kafka, admin: Admin, topics: string[]): Promise<Map<string, { messages: number; bytes: number }>> {
  const sizes = new Map<string, { messages: number; bytes: number }>();
  for (const topic of topics) {
    const messages = await readTopicSnapshot(kafka, admin, topic);
    let bytes = 0;
    for (const message of messages) {
      bytes += (message.key?.length ?? 0) + (message.value?.length ?? 0);
      for (const [name, value] of Object.entries(message.headers ?? {}))
        bytes += name.length + (Buffer.isBuffer(value) ? value.length : String(value ?? '').length);
    }
    if (messages.length > 0) sizes.set(topic, { messages: messages.length, bytes });
  }
  return sizes;
}

export interface CostBudget {
  events: number;
  cpu: Map<string, number>;
  writes: Map<string, number>;
  statements: number | null;
  transactions: number;
  topics: Map<string, { messages: number; bytes: number }>;
}

/** The budget as Markdown tables, per event. */
export function formatBudget(budget: CostBudget): string {
  const per = (n: number) => n / budget.events;
  const cpuRows = [...budget.cpu].sort((a, b) => b[1] - a[1]).map(([role, s]) => `| ${role} | ${Math.round(per(s) * 1e6)} |`);
  const writeRows = [...budget.writes]
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([table, n]) => `| ${table} | ${per(n).toFixed(2)} |`);
  const topicRows = [...budget.topics].map(
    ([topic, { messages, bytes }]) =>
      `| ${topic.replace(/^bench-pipeline-\d+\./, '')} | ${per(messages).toFixed(2)} | ${Math.round(bytes / messages)} | ${Math.round(per(bytes))} |`,
  );
  const total = [...budget.cpu.values()].reduce((a, b) => a + b, 0);
  const totalWrites = [...budget.writes.values()].reduce((a, b) => a + b, 0);
  return [
    `per event, over ${budget.events.toLocaleString('en')} events:`,
    '',
    '| process | µs of CPU per event |',
    '|---|---:|',
    ...cpuRows,
    `| **all** | **${Math.round(per(total) * 1e6)}** |`,
    '',
    `PostgreSQL: ${per(budget.transactions).toFixed(3)} transactions and ${budget.statements === null ? 'n/a (no pg_stat_statements)' : per(budget.statements).toFixed(2)} statements per event; rows written per event:`,
    '',
    '| table | rows per event |',
    '|---|---:|',
    ...writeRows,
    `| **all** | **${per(totalWrites).toFixed(2)}** |`,
    '',
    '| topic | messages per event | bytes per message | bytes per event |',
    '|---|---:|---:|---:|',
    ...topicRows,
  ].join('\n');
}
