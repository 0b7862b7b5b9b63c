import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from '../../services/shared/store/db.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { loadPopulation, PopulationFileError } from '../../services/shared/store/population-load.js';
import { reindexCitizens } from '../../services/shared/store/reindex.js';
import { REPO_ROOT } from '../../services/shared/paths.js';
import { CITIZENS } from '../../services/shared/store/citizens-table.js';
import { LOADED_COLUMNS } from '../../services/shared/store/population-rows.js';
import { IsolatedDatabase } from '../helpers/isolated-run.js';

const run = promisify(execFile);

function csvFile(name: string, text: string): string {
  const file = join(tmpdir(), `${name}.csv`);
  writeFileSync(file, text);
  return file;
}

describe('dancu load-population', () => {
  const database = new IsolatedDatabase('load');
  const name = database.name;
  let pool: Pool;

  beforeAll(async () => {
    await database.setUp();
    pool = database.pool;
  });

  afterAll(async () => {
    await database.cleanUp();
  });

  it('loads every row with its name and date normalised', async () => {
    const file = csvFile(
      `${name}-good`,
      'citizen_id,full_name,date_of_birth,sex,address\n079087000001,NGUYỄN VĂN HOÀ,14/03/1987,Nam,"Số 1, Lê Lợi"\n001305000002,Trần Thị Mai,2005,F,\n',
    );
    expect((await loadPopulation(pool, file, loadSettings())).rows).toBe(2);
    const { rows } = await pool.query(
      'select citizen_id, personal_id, full_name, name_key, date_of_birth, dob_precision, sex, address from citizens order by citizen_id',
    );
    expect(rows).toEqual([
      {
        citizen_id: '001305000002',
        personal_id: '001305000002',
        full_name: 'Trần Thị Mai',
        name_key: 'tran thi mai',
        date_of_birth: '2005',
        dob_precision: 'YEAR',
        sex: 'FEMALE',
        address: null,
      },
      {
        citizen_id: '079087000001',
        personal_id: '079087000001',
        full_name: 'Nguyễn Văn Hòa',
        name_key: 'nguyen van hoa',
        date_of_birth: '1987-03-14',
        dob_precision: 'DAY',
        sex: 'MALE',
        address: 'Số 1, Lê Lợi',
      },
    ]);
  });

  it('uses the personal_id column when the file has one', async () => {
    const file = csvFile(`${name}-pid`, 'citizen_id,full_name,date_of_birth,sex,address,personal_id\nC-77,Lê Văn Tám,1970,M,,034070000777\n');
    await loadPopulation(pool, file, loadSettings());
    const { rows } = await pool.query("select personal_id from citizens where citizen_id = 'C-77'");
    expect(rows).toEqual([{ personal_id: '034070000777' }]);
  });

  it('writes each citizen the blocking keys a reindex of the register gives it', async () => {
    const file = csvFile(
      `${name}-keys`,
      [
        'citizen_id,full_name,date_of_birth,sex,address,personal_id',
        'K-1,Nguyễn Văn Hoà,14/03/1987,Nam,"Số 12 ""Ngõ"" Lê Lợi, Hà Nội",',
        'K-2,Nguyễn Văn Hòa,1987-03,M,Số 12 Lê Lợi,079087000101',
        'K-3,Hoà Nguyễn Văn,1987,,,',
        'K-4,Trần Thị Mai,03/04/2001,nữ,Thôn 3 xã Ea Kao,001301000102',
        "K-5,O'Brien Lê,,F,Số 7,",
        'K-6,Võ Thị Lan,2001-04-03,FEMALE,Thôn 3 xã Ea Kao,001301000103',
        // A backslash is COPY's escape character in the keys' text format: it must reach the keys as it is.
        'K-7\\8,Võ Thị Lan,2001-04-03,FEMALE,Thôn 3 xã Ea Kao,001301000104',
      ].join('\n'),
    );
    await loadPopulation(pool, file, loadSettings());
    const keysOf = async () =>
      (await pool.query("select rule, key, citizen_id from citizen_blocking_keys where citizen_id like 'K-%' order by rule, key, citizen_id")).rows;
    const loaded = await keysOf();
    await reindexCitizens(pool, loadSettings());
    expect(loaded.filter((key) => key.citizen_id === 'K-7\\8').length).toBeGreaterThan(3);
    expect(loaded.length).toBeGreaterThan(7 * 3);
    expect(loaded).toEqual(await keysOf());
  });

  it('leaves the blocking keys with the indexes the migrations made, after the bulk rebuild of a reindex', async () => {
    const indexes = async () =>
      (await pool.query("select indexname, indexdef from pg_indexes where tablename = 'citizen_blocking_keys' order by indexname")).rows;
    const migrated = await indexes();
    await reindexCitizens(pool, loadSettings());
    expect(migrated.map((i) => i.indexname)).toContain('citizen_blocking_keys_term_idx');
    expect(await indexes()).toEqual(migrated);
  });

  it('loads nothing from a file with bad rows and names their rows', async () => {
    const before = await pool.query('select count(*)::int as n from citizens');
    const file = csvFile(`${name}-bad`, 'citizen_id,full_name,date_of_birth,sex,address\nX-1,Lê Văn A,1970,M,\nX-2,,1970,M,\nX-3,Lê Văn B,ngày xưa,M,\n');
    const error = await loadPopulation(pool, file, loadSettings()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PopulationFileError);
    expect((error as PopulationFileError).problems.map((p) => p.split(':')[0])).toEqual(['row 3', 'row 4']);
    expect((await pool.query('select count(*)::int as n from citizens')).rows).toEqual(before.rows);
  });

  it('says which field of a row holds a date of birth it cannot read and why, never the date or a part of it', async () => {
    const file = csvFile(
      `${name}-dates`,
      'citizen_id,full_name,date_of_birth,sex,address\nX-4,Lê Văn C,31/31/1961,M,\nX-5,Lê Văn D,15/06/1749,M,\nX-6,Lê Văn E,ngày 5 tháng 3 năm 1961,M,\n',
    );
    const error = await loadPopulation(pool, file, loadSettings()).catch((e: unknown) => e);
    const problems = (error as PopulationFileError).problems;
    expect([problems.length, problems.every((p) => p.includes(': date_of_birth: ')), problems.some((p) => /31\/31|1961|1749|ngày/.test(p))]).toEqual([
      3,
      true,
      false,
    ]);
  });

  it('refuses a file whose header lacks a required column', async () => {
    const file = csvFile(`${name}-header`, 'citizen_id,full_name\nX-9,Lê Văn A\n');
    await expect(loadPopulation(pool, file, loadSettings())).rejects.toThrow(/lacks date_of_birth, sex, address/);
  });
});

describe('dancu load-population on normalising threads (through the CLI)', () => {
  const database = new IsolatedDatabase('load_threads');
  const dir = mkdtempSync(join(tmpdir(), 'load-threads-'));
  /** Some 7,000 rows: four batches of rows, more than one per thread, so threads answer while others work. */
  const ROWS = 7_000;
  const rowsIn = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n').length - 1;
  const load = (file: string, threads: string) =>
    run('node', [join(REPO_ROOT, 'bin', 'dancu.js'), 'load-population', file, '--threads', threads], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: database.url },
    });
  /** The register as loaded, without what names the load (its origin). */
  const register = async () => ({
    citizens: (await database.pool.query(`select ${CITIZENS.list(LOADED_COLUMNS.filter((c) => c !== 'origin'))} from citizens order by citizen_id`)).rows,
    keys: (await database.pool.query('select rule, key, citizen_id from citizen_blocking_keys order by rule, key, citizen_id')).rows,
  });
  const empty = () => database.pool.query('truncate citizens, citizen_blocking_keys cascade');

  beforeAll(async () => {
    await database.setUp();
    await run('node', [join(REPO_ROOT, 'bin', 'dancu.js'), 'synth', '--population', String(ROWS), '--records', '10', '--seed', '4', '--out', dir], {
      cwd: REPO_ROOT,
    });
  }, 60_000);

  afterAll(async () => {
    await database.cleanUp();
  });

  it('loads the same citizens and blocking keys on three threads as on one', async () => {
    await load(join(dir, 'population.csv'), '1');
    const onOne = await register();
    await empty();
    await load(join(dir, 'population.csv'), '3');
    expect([onOne.citizens.length, await register()]).toEqual([rowsIn(join(dir, 'population.csv')), onOne]);
  }, 60_000);

  it('loads nothing when a row of a later batch is bad, and names the row', async () => {
    await empty();
    const lines = readFileSync(join(dir, 'population.csv'), 'utf8').trimEnd().split('\n');
    lines[6_500] = 'X-1,,1970,M,,';
    const file = join(dir, 'bad.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const failed = await load(file, '2').catch((error: { code: number; stderr: string }) => error);
    const count = (await database.pool.query('select count(*)::int as n from citizens')).rows[0];
    expect(['code' in failed ? failed.code : 0, /row 6501: full_name is empty/.test(failed.stderr), count]).toEqual([1, true, { n: 0 }]);
  }, 60_000);

  it('names the row of a citizen_id the file holds twice, loads nothing and ends as a failure, not a crash', async () => {
    await empty();
    const lines = readFileSync(join(dir, 'population.csv'), 'utf8').trimEnd().split('\n');
    lines.splice(2, 0, lines[1]!);
    const file = join(dir, 'twice.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const failed = await load(file, '1').catch((error: { code: number; stderr: string }) => error);
    const count = (await database.pool.query('select count(*)::int as n from citizens')).rows[0];
    expect(['code' in failed ? failed.code : 0, failed.stderr.trim().split('\n').slice(-1)[0], count]).toEqual([
      1,
      '  row 3: its citizen_id is in the file twice, or in the register already',
      { n: 0 },
    ]);
  }, 60_000);

  it('refuses a number of threads that is not a whole number from 1, in one line', async () => {
    const refused = await load(join(dir, 'population.csv'), '0').catch((error: { stderr: string }) => error);
    expect(refused.stderr.trim().split('\n')).toEqual([expect.stringMatching(/--threads.*whole number of threads from 1/)]);
  });
});

describe('dancu load-population copying citizens and their keys in turns', () => {
  const database = new IsolatedDatabase('load_turns');
  const dir = mkdtempSync(join(tmpdir(), 'load-turns-'));
  /** Some 10,000 rows: five or six batches of 2,000 (population-load.ts), some 0.8 MB of keys each. */
  const ROWS = 10_000;
  const linesOf = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n');
  const register = async () => ({
    citizens: (await database.pool.query(`select ${CITIZENS.list(LOADED_COLUMNS.filter((c) => c !== 'origin'))} from citizens order by citizen_id`)).rows,
    keys: (await database.pool.query('select rule, key, citizen_id from citizen_blocking_keys order by rule, key, citizen_id')).rows,
  });
  const citizens = async () => (await database.pool.query('select count(*)::int as n from citizens')).rows[0].n as number;
  const empty = () => database.pool.query('truncate citizens, citizen_blocking_keys cascade');
  /** A turn ends once its keys reach 1 MiB: two batches a turn. */
  const smallTurns = { segmentBytes: 1 << 20 };
  const population = () => join(dir, 'population.csv');
  let inOneTurn: Awaited<ReturnType<typeof register>>;

  beforeAll(async () => {
    await database.setUp();
    await run('node', [join(REPO_ROOT, 'bin', 'dancu.js'), 'synth', '--population', String(ROWS), '--records', '10', '--seed', '6', '--out', dir], {
      cwd: REPO_ROOT,
    });
    expect((await loadPopulation(database.pool, population(), loadSettings())).turns).toBe(1);
    inOneTurn = await register();
  }, 60_000);

  afterAll(async () => {
    await database.cleanUp();
  });

  it('loads the same citizens and keys in turns of several batches as in one turn', async () => {
    await empty();
    const { turns } = await loadPopulation(database.pool, population(), loadSettings(), smallTurns);
    // Fewer turns than batches: some turn held more than one, so a later turn counts the citizens of several before it.
    const batches = Math.ceil(inOneTurn.citizens.length / 2_000);
    expect([turns > 1 && turns < batches, inOneTurn.citizens.length, await register()]).toEqual([true, linesOf(population()).length - 1, inOneTurn]);
  });

  it('names the row of a citizen_id the file holds twice when a later turn copies it', async () => {
    await empty();
    const lines = linesOf(population());
    lines.splice(8_500, 0, lines[10]!);
    const file = join(dir, 'twice-late.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const error = await loadPopulation(database.pool, file, loadSettings(), smallTurns).catch((e: unknown) => e);
    expect([(error as PopulationFileError).problems, await citizens()]).toEqual([
      ['row 8501: its citizen_id is in the file twice, or in the register already'],
      0,
    ]);
  });

  it('loads nothing from a file that stops parsing while a turn is under way, and leaves the connection fit for the next load', async () => {
    await empty();
    const lines = linesOf(population());
    // A quote never closed: the parser gives up at the end of the file, when the second turn has copied the citizens of
    // its first batch (rows 4,001-6,000) and waits for its second, which never comes.
    lines[7_000] = lines[7_000]!.replace(',', ',"');
    const file = join(dir, 'unclosed.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const error = await loadPopulation(database.pool, file, loadSettings(), smallTurns).catch((e: unknown) => e);
    const afterFailure = await citizens();
    await loadPopulation(database.pool, population(), loadSettings(), smallTurns);
    expect([(error as { code?: string }).code, afterFailure, await citizens()]).toEqual(['CSV_FILE_INVALID', 0, lines.length - 1]);
  });

  /** The register's indexes, and the constraints on citizens and on the tables that reference it, as the catalogue holds them. */
  const schema = async () => ({
    indexes: (
      await database.pool.query(
        "select tablename, indexname, indexdef from pg_indexes where tablename in ('citizens', 'citizen_blocking_keys') order by indexname",
      )
    ).rows,
    constraints: (
      await database.pool.query(
        `select conrelid::regclass::text as table, conname, pg_get_constraintdef(oid) as definition from pg_constraint
          where conrelid = 'citizens'::regclass or confrelid = 'citizens'::regclass order by 1, 2`,
      )
    ).rows,
  });
  /** A column the load does not read, long enough that the file passes the 6 MB from which the indexes are dropped and rebuilt. */
  const padded = (name: string, lines: string[]) => {
    const [header, ...rows] = lines;
    const remark = 'x'.repeat(Math.ceil(6_500_000 / rows.length));
    const file = join(dir, `${name}.csv`);
    writeFileSync(file, `${header},remark\n${rows.map((row) => `${row},${remark}`).join('\n')}\n`);
    expect(statSync(file).size).toBeGreaterThan(6_000_000);
    return file;
  };

  it('loads a file past the bulk size, its indexes and constraints set aside and built after, the same as a small one, and leaves the schema the migrations made', async () => {
    await empty();
    const migrated = await schema();
    await loadPopulation(database.pool, padded('padded', linesOf(population())), loadSettings());
    expect([await register(), await schema()]).toEqual([inOneTurn, migrated]);
  });

  it('names the row of a citizen_id a file past the bulk size holds twice, loads nothing and leaves the schema the migrations made', async () => {
    await empty();
    const migrated = await schema();
    const lines = linesOf(population());
    lines.splice(8_500, 0, lines[10]!);
    const error = await loadPopulation(database.pool, padded('bulk-twice', lines), loadSettings()).catch((e: unknown) => e);
    expect([(error as PopulationFileError).problems, await citizens(), await schema()]).toEqual([
      ['row 8501: its citizen_id is in the file twice, or in the register already'],
      0,
      migrated,
    ]);
  });

  it('names the row of a personal_id a file past the bulk size gives a second citizen', async () => {
    await empty();
    const [header, ...rows] = linesOf(population());
    // The synthetic file's last column is the personal_id: row 9,002 is given row 22's.
    const file = padded('bulk-personal-twice', [header!, ...rows.map((row, i) => (i === 9_000 ? row.replace(/,[^,]*$/, `,${rows[20]!.split(',')[0]}`) : row))]);
    const error = await loadPopulation(database.pool, file, loadSettings()).catch((e: unknown) => e);
    expect([header!.split(',').at(-1), (error as PopulationFileError).problems, await citizens()]).toEqual([
      'personal_id',
      ['row 9002: its personal_id is in the file twice, or in the register already'],
      0,
    ]);
  });

  /** The citizens' primary key index as the catalogue knows it: another once it has been dropped and built again. */
  const primaryKeyIndex = async () => (await database.pool.query("select 'citizens_pkey'::regclass::oid as oid")).rows[0].oid as number;

  it('builds the citizens’ primary key again after a file past the bulk size is loaded into an empty register', async () => {
    await empty();
    const before = await primaryKeyIndex();
    await loadPopulation(database.pool, padded('padded', linesOf(population())), loadSettings());
    expect(await primaryKeyIndex()).not.toBe(before);
  });

  /** Manual VACUUMs of the two tables so far, and whether the visibility map holds every page of each. */
  const settled = async () =>
    (
      await database.pool.query(
        `select s.relname, s.vacuum_count::int as vacuums, c.relallvisible = c.relpages as all_visible
           from pg_stat_user_tables s join pg_class c on c.oid = s.relid
          where s.relname in ('citizens', 'citizen_blocking_keys') order by s.relname`,
      )
    ).rows as { relname: string; vacuums: number; all_visible: boolean }[];

  it('writes the rows of a file past the bulk size loaded into an empty register frozen, visible to all without a VACUUM', async () => {
    await empty();
    const before = await settled();
    await loadPopulation(database.pool, padded('padded', linesOf(population())), loadSettings());
    expect(await settled()).toEqual(before.map(({ relname, vacuums }) => ({ relname, vacuums, all_visible: true })));
  });

  it('keeps the citizens’ constraints, the citizens already registered and the links to them when a file past the bulk size is loaded beside them', async () => {
    await empty();
    const [header, ...rows] = linesOf(population());
    await loadPopulation(database.pool, padded('first-half', [header!, ...rows.slice(0, 5_000)]), loadSettings());
    const keptIndex = await primaryKeyIndex();
    const linked = rows[0]!.split(',')[0]!;
    await database.pool.query(
      `insert into record_links (source, source_system, source_record_id, citizen_id, decision_id, method, score, settings_version, reason)
       values ('VACCINATION', 'test', 'r1', $1, 'd1', 'DETERMINISTIC', 1, 'v', 'test')`,
      [linked],
    );
    await loadPopulation(database.pool, padded('second-half', [header!, ...rows.slice(5_000)]), loadSettings());
    const refused = await database.pool
      .query(
        `insert into record_links (source, source_system, source_record_id, citizen_id, decision_id, method, score, settings_version, reason)
         values ('VACCINATION', 'test', 'r2', 'nobody', 'd2', 'DETERMINISTIC', 1, 'v', 'test')`,
      )
      .catch((e: { code?: string }) => e.code);
    expect([await register(), refused, await primaryKeyIndex()]).toEqual([inOneTurn, '23503', keptIndex]);
  });
});
