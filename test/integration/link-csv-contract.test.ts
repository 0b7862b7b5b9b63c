import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSettings } from '../../services/shared/linkage/settings.js';
import { REPO_ROOT } from '../../services/shared/paths.js';

const run = promisify(execFile);
const dancu = (...args: string[]) => run('node', [join(REPO_ROOT, 'bin', 'dancu.js'), ...args], { cwd: REPO_ROOT });

describe('dancu link-csv, synth and train (the batch contract, through the CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'link-csv-'));
  let decisions: Record<string, string>[];
  let records: Record<string, string>[];
  let stderr: string;

  beforeAll(async () => {
    await dancu('synth', '--population', '2000', '--records', '400', '--seed', '9', '--out', dir);
    ({ stderr } = await dancu(
      'link-csv',
      '--population',
      join(dir, 'population.csv'),
      '--records',
      join(dir, 'records.csv'),
      '--out',
      join(dir, 'decisions.csv'),
    ));
    decisions = parse(readFileSync(join(dir, 'decisions.csv')), { columns: true }) as Record<string, string>[];
    records = parse(readFileSync(join(dir, 'records.csv')), { columns: true }) as Record<string, string>[];
  }, 60_000);

  it('writes the header record_id,decision,citizen_id,score', () => {
    expect(readFileSync(join(dir, 'decisions.csv'), 'utf8').split('\n')[0]).toBe('record_id,decision,citizen_id,score');
  });

  it('writes one decision per record, in the order of the records', () => {
    expect(decisions.map((d) => d.record_id)).toEqual(records.map((r) => r.record_id));
  });

  it('decides link, review or new, with a citizen only for links and a score between 0 and 1', () => {
    const bad = decisions.filter(
      (d) =>
        !['link', 'review', 'new'].includes(d.decision ?? '') ||
        (d.decision === 'link') !== (d.citizen_id !== '') ||
        !(Number(d.score) >= 0 && Number(d.score) <= 1),
    );
    expect(bad).toEqual([]);
  });

  it('links only to the citizen the synthetic truth names', () => {
    const truth = new Map((parse(readFileSync(join(dir, 'truth.csv')), { columns: true }) as Record<string, string>[]).map((t) => [t.record_id, t.citizen_id]));
    expect(decisions.filter((d) => d.decision === 'link' && truth.get(d.record_id ?? '') !== d.citizen_id)).toEqual([]);
  });

  it('reports its throughput on stderr', () => {
    expect(stderr).toMatch(/records\/s/);
  });

  it('reports each phase on stderr as it starts, with the seconds since the command started', () => {
    const phases = stderr.split('\n').filter((line) => /^\[\d+ s\] /.test(line));
    expect(phases).toEqual([
      expect.stringMatching(/reading the register$/),
      expect.stringMatching(/citizens read; estimating m, u and the prior/),
      expect.stringMatching(/linking the records against [\d,]+ citizens$/),
    ]);
  });

  it('reports how many candidates the blocking rules gave a record', () => {
    const counts = /candidates per record: mean ([\d.]+), p50 (\d+), p99 (\d+), max (\d+)/.exec(stderr);
    const [mean, p50, p99, max] = (counts?.slice(1) ?? []).map(Number);
    expect(mean).toBeGreaterThan(0);
    expect(p50).toBeLessThanOrEqual(p99!);
    expect(p99).toBeLessThanOrEqual(max!);
  });

  it('accepts records whose fields are all empty but the record id, and a register without personal_id', async () => {
    writeFileSync(join(dir, 'p.csv'), 'citizen_id,full_name,date_of_birth,sex,address\n079087000001,Nguyễn Văn Hùng,1987-03-14,M,\n');
    writeFileSync(
      join(dir, 'r.csv'),
      'record_id,source,personal_id,full_name,date_of_birth,sex,address\nx1,,,,,,\nx2,unknown-source,079087000001,NGUYEN VAN HUNG,14/03/1987,,\n',
    );
    await dancu('link-csv', '--population', join(dir, 'p.csv'), '--records', join(dir, 'r.csv'), '--out', join(dir, 'd.csv'), '--parameters', 'committed');
    const rows = parse(readFileSync(join(dir, 'd.csv')), { columns: true }) as Record<string, string>[];
    expect(rows.map((row) => [row.record_id, row.decision, row.citizen_id])).toEqual([
      ['x1', 'new', ''],
      ['x2', 'link', '079087000001'],
    ]);
  });

  it('tells on stderr, by row and never by value, each record it linked without a date of birth or sex it cannot read, on one thread as on two', async () => {
    writeFileSync(join(dir, 'pu.csv'), 'citizen_id,full_name,date_of_birth,sex,address\n079087000001,Nguyễn Văn Hùng,1987-03-14,M,\n');
    writeFileSync(
      join(dir, 'ru.csv'),
      'record_id,source,personal_id,full_name,date_of_birth,sex,address\nu1,vaccination,,Nguyễn Văn Hùng,14 tháng 3 1987,M,\nu2,vaccination,,Nguyễn Văn Hùng,1987-03-14,?,\n',
    );
    const told = async (threads: string) => {
      const args = ['--population', join(dir, 'pu.csv'), '--records', join(dir, 'ru.csv'), '--out', join(dir, `du${threads}.csv`)];
      const { stderr } = await dancu('link-csv', ...args, '--parameters', 'committed', '--threads', threads);
      return stderr.split('\n').filter((line) => /linked without|^ {2}row /.test(line));
    };
    const one = await told('1');
    expect(one).toEqual([
      '2 records linked without a field that cannot be read (date_of_birth 1, sex 1):',
      expect.stringMatching(/^ {2}row 2: date_of_birth is not a date dancu reads/),
      '  row 3: sex is not M/F, male/female, nam/nữ or 1/2',
    ]);
    expect(await told('2')).toEqual(one);
  });

  it('refuses, as load-population does, a register whose date of birth cannot be read: exit 1, the row told, no decisions file', async () => {
    writeFileSync(join(dir, 'pbad.csv'), 'citizen_id,full_name,date_of_birth,sex,address\n079087000001,Nguyễn Văn Hùng,14 tháng 3 1987,M,\n');
    const failed = await dancu('link-csv', '--population', join(dir, 'pbad.csv'), '--records', join(dir, 'ru.csv'), '--out', join(dir, 'dbad.csv')).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(['code' in failed ? failed.code : 0, existsSync(join(dir, 'dbad.csv'))]).toEqual([1, false]);
    expect('stderr' in failed ? failed.stderr : '').toMatch(/nothing was linked:\n {2}row 2: date_of_birth is not a date dancu reads/);
    expect('stderr' in failed ? failed.stderr : '').not.toContain('tháng');
  });

  it('writes the same decisions, byte for byte, and estimates the same parameters, on one thread as on two', async () => {
    // 5,500 records: six chunks of 1,000 at most, more than two per thread, so decisions are written while the file is read.
    const big = join(dir, 'threads');
    await dancu('synth', '--population', '8000', '--records', '5500', '--seed', '12', '--out', big);
    const link = (threads: string) =>
      dancu(
        'link-csv',
        '--population',
        join(big, 'population.csv'),
        '--records',
        join(big, 'records.csv'),
        '--out',
        join(big, `d${threads}.csv`),
        '--threads',
        threads,
      );
    const [one, two] = [await link('1'), await link('2')];
    expect(readFileSync(join(big, 'd2.csv'), 'utf8')).toBe(readFileSync(join(big, 'd1.csv'), 'utf8'));
    const summary = (stderr: string) =>
      stderr.split('\n').filter((line) => /^\d+ records against|^candidates per record|^generic keys|^parameters estimated|^ {2}\S/.test(line));
    expect(summary(two.stderr)).toEqual(summary(one.stderr));
  }, 120_000);

  it('leaves no decisions file when the records file turns out malformed half way', async () => {
    const rows = Array.from({ length: 2500 }, (_, i) => `m${i},vaccination,,Nguyễn Văn An,1990-01-01,M,\n`);
    writeFileSync(join(dir, 'malformed.csv'), `record_id,source,personal_id,full_name,date_of_birth,sex,address\n${rows.join('')}m-last,vaccination\n`);
    const failed = await dancu(
      'link-csv',
      '--population',
      join(dir, 'population.csv'),
      '--records',
      join(dir, 'malformed.csv'),
      '--out',
      join(dir, 'dm.csv'),
      '--parameters',
      'committed',
      '--threads',
      '2',
    ).catch((error: { code: number; stderr: string }) => error);
    expect(['code' in failed ? failed.code : 0, existsSync(join(dir, 'dm.csv')), existsSync(join(dir, 'dm.csv.partial'))]).toEqual([1, false, false]);
    expect('stderr' in failed ? failed.stderr : '').toMatch(/row 2502 has 2 fields/);
  });

  it('says in one line, before reading anything, that the decisions file’s folder is not there', async () => {
    const refused = await dancu('link-csv', '--population', join(dir, 'p.csv'), '--records', join(dir, 'r.csv'), '--out', join(dir, 'nowhere', 'd.csv')).catch(
      (error: { stderr: string }) => error,
    );
    expect('stderr' in refused ? refused.stderr.trim().split('\n') : []).toEqual([expect.stringMatching(/no such folder for .*nowhere/)]);
  });

  it('refuses a number of threads that is not a whole number from 1, in one line', async () => {
    const refused = await dancu(
      'link-csv',
      '--population',
      join(dir, 'p.csv'),
      '--records',
      join(dir, 'r.csv'),
      '--out',
      join(dir, 'd.csv'),
      '--threads',
      '0',
    ).catch((error: { stderr: string }) => error);
    expect('stderr' in refused ? refused.stderr.trim().split('\n') : []).toEqual([expect.stringMatching(/--threads.*whole number of threads from 1/)]);
  });

  it('writes trained settings that validate', async () => {
    await dancu('train', '--population', join(dir, 'population.csv'), '--records', join(dir, 'records.csv'), '--out', join(dir, 'trained.json'));
    const trained = parseSettings(JSON.parse(readFileSync(join(dir, 'trained.json'), 'utf8')));
    expect(trained.probability_record_in_register).toBeGreaterThan(0.5);
  });
});
