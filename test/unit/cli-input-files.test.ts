import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireFiles, requireFolderOf } from '../../services/cli/linkage-file-options.js';
import { readJsonFile } from '../../services/shared/config/json-file.js';
import { CsvRowParser, csvFileRows } from '../../services/shared/csv-rows.js';
import { dedupeCsv } from '../../services/shared/linkage-io/dedupe-csv.js';
import { linkCsv } from '../../services/shared/linkage-io/link-csv.js';
import { readPopulationCsv } from '../../services/shared/linkage-io/csv-io.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { loadSurvivorship } from '../../services/shared/register/survivorship.js';
import { loadDebeziumMappings } from '../../services/shared/sources/debezium.js';

const dir = mkdtempSync(join(tmpdir(), 'dancu-cli-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const POPULATION_HEADER = 'citizen_id,full_name,date_of_birth,sex,address\n';
const RECORDS_HEADER = 'record_id,source,personal_id,full_name,date_of_birth,sex,address\n';
const folder = join(dir, 'a-folder');
mkdirSync(folder);

describe('a JSON file a command reads', () => {
  it('that does not exist is named, with where it was given', () => {
    expect(() => readJsonFile('/nope.json', 'linkage settings file', 'DANCU_LINKAGE_SETTINGS')).toThrow(
      'linkage settings file /nope.json (DANCU_LINKAGE_SETTINGS) does not exist',
    );
  });

  it('that is not JSON is named, with the parser’s reason', () => {
    const path = file('broken.json', '{not json');
    expect(() => readJsonFile(path, 'linkage settings file')).toThrow(new RegExp(`^linkage settings file ${path} is not JSON \\(`));
  });

  it('that is a folder is said to be one', () => {
    expect(() => readJsonFile(folder, 'linkage settings file')).toThrow(`linkage settings file ${folder} is a folder, not a file`);
  });

  it('of linkage settings that do not parse names the file', () => {
    const path = file('settings.json', '{"thresholds": 3}');
    expect(() => loadSettings(path)).toThrow(new RegExp(`^invalid linkage settings in ${path}: `));
  });

  it('of survivorship rules that do not parse names the file', () => {
    const path = file('survivorship.json', '{}');
    expect(() => loadSurvivorship(path)).toThrow(new RegExp(`^invalid survivorship rules in ${path}: `));
  });

  it('of Debezium table mappings that do not parse is one line, not zod’s JSON', () => {
    const path = file('mappings.json', '{"vaccination": 3}');
    expect(() => loadDebeziumMappings(path)).toThrow(/^invalid Debezium table mappings in [^\n]*vaccination: Invalid input[^\n]*$/);
  });
});

describe("a command's input and output paths", () => {
  it('refuses a folder given as an input file', () => {
    expect(() => requireFiles([folder])).toThrow(`${folder} is a folder: name a file`);
  });

  it('refuses a folder given as the file to write', () => {
    expect(() => requireFolderOf(folder)).toThrow(`${folder} is a folder: name a file to write`);
  });

  it('accepts a new file in a folder that is there', () => {
    expect(() => requireFolderOf(join(dir, 'new.csv'))).not.toThrow();
  });
});

describe('a CSV file whose quote is never closed', () => {
  it('is refused at the end instead of losing every row after the quote', () => {
    const parser = new CsvRowParser();
    parser.push('id,name\n1,"unclosed\n2,b\n');
    expect(() => parser.end()).toThrow('row 2: a quoted field is not closed');
  });

  it('is refused naming the file, read as a stream', async () => {
    const path = file('unclosed.csv', `${POPULATION_HEADER}1,"Nguyễn,1990-01-01,MALE,x\n2,Lê,1991-01-01,MALE,y\n`);
    const read = async () => {
      for await (const rows of csvFileRows(path)) void rows;
    };
    await expect(read()).rejects.toThrow(`${path}: row 2: a quoted field is not closed`);
  });

  it('is refused naming the file, read whole', () => {
    const path = file('unclosed-whole.csv', `${POPULATION_HEADER}1,"Nguyễn,1990-01-01,MALE,x\n`);
    expect(() => readPopulationCsv(path)).toThrow(new RegExp(`^${path}: not valid CSV \\(CSV_QUOTE_NOT_CLOSED\\)`));
  });

  it('is refused without the field that the parser quotes', () => {
    const path = file('opening-quote.csv', `${POPULATION_HEADER}1,Nguy"ễn Văn An,1990-01-01,MALE,x\n`);
    expect(() => readPopulationCsv(path)).toThrow(/not valid CSV \(INVALID_OPENING_QUOTE\) at line 2/);
    expect(() => readPopulationCsv(path)).not.toThrow(/Văn An/);
  });
});

describe('a file of no rows to estimate m, u and the prior from', () => {
  const settings = loadSettings();
  const emptyRegister = file('empty-register.csv', POPULATION_HEADER);
  const register = file('register.csv', `${POPULATION_HEADER}001190000001,Nguyễn Văn An,1990-01-01,MALE,Hà Nội\n`);
  const emptyRecords = file('empty-records.csv', RECORDS_HEADER);

  it('is named by link-csv when it is the register', async () => {
    await expect(linkCsv({ population: emptyRegister, records: emptyRecords, out: join(dir, 'd.csv'), settings, estimate: true })).rejects.toThrow(
      `${emptyRegister}: no rows under the header: nothing to estimate m, u and the prior from`,
    );
  });

  it('is named by link-csv when it is the records', async () => {
    await expect(linkCsv({ population: register, records: emptyRecords, out: join(dir, 'd.csv'), settings, estimate: true })).rejects.toThrow(
      `${emptyRecords}: no rows under the header`,
    );
  });

  it('is named by dedupe-csv', async () => {
    await expect(dedupeCsv({ register: emptyRegister, out: join(dir, 'p.csv'), settings, estimate: true })).rejects.toThrow(
      `${emptyRegister}: no rows under the header`,
    );
  });
});

const linkSettings = loadSettings();
const REGISTER = `${POPULATION_HEADER}079087000001,Nguyễn Văn Hùng,1987-03-14,M,Số 1 Lê Lợi Hà Nội\n001190000002,Trần Thị Mai,1990-05-02,F,Hà Nội\n`;
const readableRegister = file('readable-register.csv', REGISTER);
const link = (population: string, records: string, out: string) =>
  linkCsv({ population, records, out: join(dir, out), settings: linkSettings, estimate: false });

describe('link-csv and a register whose date of birth or sex cannot be read', () => {
  it('refuses the register, naming the row of a date of birth it cannot read and never the value, and writes no decisions', async () => {
    const population = file('bad-date-register.csv', `${REGISTER}001190000003,Lê Văn Tám,31/31/1961,M,Huế\n`);
    const records = file('one-record.csv', `${RECORDS_HEADER}r1,vaccination,,Lê Văn Tám,1961,M,Huế\n`);
    const refused = await link(population, records, 'refused-date.csv').catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'CSV_FILE_INVALID', message: expect.stringMatching(/\n {2}row 4: date_of_birth is not a date/) as unknown });
    expect(String((refused as Error).message)).not.toContain('31/31');
    expect(existsSync(join(dir, 'refused-date.csv'))).toBe(false);
  });

  it('refuses the register when a sex cannot be read, naming its row', async () => {
    const population = file('bad-sex-register.csv', `${REGISTER}001190000003,Lê Văn Tám,1961-01-01,X,Huế\n`);
    const records = file('one-record-2.csv', `${RECORDS_HEADER}r1,vaccination,,Lê Văn Tám,1961,M,Huế\n`);
    await expect(link(population, records, 'refused-sex.csv')).rejects.toThrow(/\n {2}row 4: sex is not M\/F/);
  });
});

describe('link-csv and a register with a value it cannot read on several rows', () => {
  it('tells each such row by its row past a blank line and an address over two lines, and reads padded or blank values as before', async () => {
    const population = file(
      'bad-dates-register.csv',
      `${REGISTER}001190000003,Lê Văn Tám,31/31/1961,M,"Số 2\nHuế"\n\n001190000004,Lê Văn Bốn,31/31/1961,M,Huế\n` +
        `001190000005,Lê Văn Năm," 1961-01-01 ",M,Huế\n001190000006,Lê Văn Sáu,31/31/1961," ",Huế\n001190000007,Lê Thị Bảy,1961,nữ,Huế\n`,
    );
    const records = file('one-record-3.csv', `${RECORDS_HEADER}r1,vaccination,,Lê Văn Tám,1961,M,Huế\n`);
    const refused = await link(population, records, 'refused-dates.csv').catch((error: unknown) => (error as Error).message);
    expect(String(refused).split('\n').slice(1)).toEqual([
      '  row 4: date_of_birth is not a date dancu reads (yyyy-mm-dd, dd/mm/yyyy, yyyymmdd, yyyy-mm or yyyy; years 1850–2200)',
      '  row 5: date_of_birth is not a date dancu reads (yyyy-mm-dd, dd/mm/yyyy, yyyymmdd, yyyy-mm or yyyy; years 1850–2200)',
      '  row 7: date_of_birth is not a date dancu reads (yyyy-mm-dd, dd/mm/yyyy, yyyymmdd, yyyy-mm or yyyy; years 1850–2200)',
    ]);
  });
});

describe('link-csv and a record whose date of birth or sex cannot be read', () => {
  it('links it as the same record without that field, and tells its row and the field, never the value', async () => {
    const unreadable = file('unreadable-records.csv', `${RECORDS_HEADER}r1,vaccination,,Nguyễn Văn Hùng,14 tháng 3 1987,M,Số 1 Lê Lợi Hà Nội\n`);
    const without = file('without-records.csv', `${RECORDS_HEADER}r1,vaccination,,Nguyễn Văn Hùng,,M,Số 1 Lê Lợi Hà Nội\n`);
    const report = await link(readableRegister, unreadable, 'd-unreadable.csv');
    await link(readableRegister, without, 'd-without.csv');
    expect(readFileSync(join(dir, 'd-unreadable.csv'), 'utf8')).toBe(readFileSync(join(dir, 'd-without.csv'), 'utf8'));
    expect(report.unreadable).toEqual({
      records: 1,
      byColumn: { date_of_birth: 1, sex: 0 },
      told: [expect.stringMatching(/^row 2: date_of_birth is not a date dancu reads \([^)]*\)$/)],
    });
    expect(report.unreadable.told.join('')).not.toContain('tháng');
  });

  it('counts records whose sex cannot be read by column, telling each by row', async () => {
    const records = file('unreadable-sex.csv', `${RECORDS_HEADER}r1,vaccination,,Trần Thị Mai,1990-05-02,F,\nr2,vaccination,,Trần Thị Mai,1990-05-02,?,\n`);
    const report = await link(readableRegister, records, 'd-sex.csv');
    expect(report.unreadable).toEqual({ records: 1, byColumn: { date_of_birth: 0, sex: 1 }, told: ['row 3: sex is not M/F, male/female, nam/nữ or 1/2'] });
  });

  it("tells a record by its row (the header row 1), not the file's line, past a blank line and an address over two lines", async () => {
    const records = file(
      'unreadable-after-breaks.csv',
      `${RECORDS_HEADER}r1,vaccination,,Trần Thị Mai,1990-05-02,F,"Số 1\nLê Lợi"\n\nr2,vaccination,,Trần Thị Mai,1990-05-02,?,\n`,
    );
    const report = await link(readableRegister, records, 'd-rows.csv');
    expect(report.unreadable.told).toEqual(['row 3: sex is not M/F, male/female, nam/nữ or 1/2']);
  });

  it('tells the first twenty such records by line and counts the rest', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => `r${i},vaccination,,Trần Thị Mai,không rõ,F,\n`).join('');
    const report = await link(readableRegister, file('many-unreadable.csv', `${RECORDS_HEADER}${rows}`), 'd-many.csv');
    expect({ records: report.unreadable.records, told: report.unreadable.told.length, last: report.unreadable.told.at(-1) }).toEqual({
      records: 25,
      told: 21,
      last: '… and 5 more',
    });
  });
});
