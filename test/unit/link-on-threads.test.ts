import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CompactRegister } from '../../services/shared/linkage/compact-register.js';
import { InMemoryCandidateSource } from '../../services/shared/linkage/in-memory-candidates.js';
import { toMatchRecord } from '../../services/shared/linkage/match-record.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import type { RecordRow } from '../../services/shared/linkage-io/csv-io.js';
import { linkOnThreads, type ChunkDecider, type StartThreads } from '../../services/shared/linkage-io/link-on-threads.js';
import type { Prepared } from '../../services/shared/linkage-io/linking-phase.js';
import { generateLinkageSet } from '../../services/shared/synth/linkage-set.js';

const settings = loadSettings();
const set = generateLinkageSet({ population: 300, records: 10, absentShare: 0.1, seed: 5 });
/** 5,500 records: six chunks, more than two per thread in hand, so rows are written while the file is still being read. */
const RECORDS = 5_500;

function prepared(dir: string): Prepared {
  const records = join(dir, 'records.csv');
  const rows = Array.from({ length: RECORDS }, (_, i) => `r${i},vaccination,,,,,\n`);
  writeFileSync(records, `record_id,source,personal_id,full_name,date_of_birth,sex,address\n${rows.join('')}`);
  const register = CompactRegister.of(set.population.map((citizen) => toMatchRecord(citizen.citizen_id, citizen)));
  return {
    settings,
    estimate: null,
    asOf: null,
    out: join(dir, 'decisions.csv'),
    records,
    linked: () => undefined,
    take: () => ({ register, index: new InMemoryCandidateSource(settings.blocking_rules, register) }),
  };
}

/**
 * Threads that answer each chunk with one line per row, later chunks sooner than earlier ones; `failAt` fails that chunk.
 * `calls` tells what they were asked, in order: settings settled (their description) and chunks decided.
 */
function threadsAnsweringOutOfOrder(failAt?: number, size = 2): { start: StartThreads; stopped: () => boolean; calls: string[] } {
  let stopped = false;
  let chunks = 0;
  const calls: string[] = [];
  const decider: ChunkDecider = {
    size,
    workOutPairs: () => () => Promise.reject(new Error('these threads work out no pairs')),
    settle: (settled) => calls.push(`settle ${settled.description}`),
    decide: (rows: RecordRow[]) => {
      calls.push('decide');
      const chunk = chunks++;
      return new Promise((resolve, reject) =>
        setTimeout(
          () =>
            chunk === failAt
              ? reject(new Error('chunk failed'))
              : resolve({
                  lines: rows.map((row) => `${row.record_id},new,,0.000000\n`).join(''),
                  decisions: { LINK: 0, REVIEW: 0, NEW: rows.length, UNLINKED: 0 },
                }),
          (8 - (chunk % 8)) * 3,
        ),
      );
    },
    finish: () => Promise.resolve([]),
    stop: () => {
      stopped = true;
      return Promise.resolve();
    },
  };
  return { start: () => Promise.resolve(decider), stopped: () => stopped, calls };
}

describe('linking on threads', () => {
  it('writes the decisions in the records file’s order when the threads answer out of order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'link-threads-'));
    const linked = await linkOnThreads(prepared(dir), 2, threadsAnsweringOutOfOrder().start);
    const ids = readFileSync(join(dir, 'decisions.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[0]);
    expect(ids).toEqual(Array.from({ length: RECORDS }, (_, i) => `r${i}`));
    expect([linked.records, linked.decisions.NEW]).toEqual([RECORDS, RECORDS]);
  });

  it('fails the run, leaves no decisions file and stops the threads when a chunk fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'link-threads-'));
    const threads = threadsAnsweringOutOfOrder(3);
    await expect(linkOnThreads(prepared(dir), 2, threads.start)).rejects.toThrow('chunk failed');
    expect([existsSync(join(dir, 'decisions.csv')), existsSync(join(dir, 'decisions.csv.partial')), threads.stopped()]).toEqual([false, false, true]);
  });

  it('estimates on the threads, as many ways as threads started, and settles them with the estimate before the first chunk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'link-threads-'));
    const threads = threadsAnsweringOutOfOrder(undefined, 3);
    const asked: string[] = [];
    const estimate: Prepared['estimate'] = (on) => {
      asked.push('threads' in on ? `on ${on.ways} threads` : 'here');
      return Promise.resolve({ ...settings, description: 'estimated' });
    };
    // Three threads answer for two asked: the estimate is cut as many ways as there are threads to work it out.
    await linkOnThreads({ ...prepared(dir), estimate }, 2, threads.start);
    expect(asked).toEqual(['on 3 threads']);
    expect(threads.calls.slice(0, 2)).toEqual(['settle estimated', 'decide']);
  });

  it('stops the threads and leaves no decisions file when the estimation fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'link-threads-'));
    const threads = threadsAnsweringOutOfOrder();
    const estimate: Prepared['estimate'] = () => Promise.reject(new Error('estimation failed'));
    await expect(linkOnThreads({ ...prepared(dir), estimate }, 2, threads.start)).rejects.toThrow('estimation failed');
    expect([existsSync(join(dir, 'decisions.csv')), existsSync(join(dir, 'decisions.csv.partial')), threads.stopped(), threads.calls]).toEqual([
      false,
      false,
      true,
      [],
    ]);
  });
});
