import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { copyTextField, MAX_REPORTED_ERRORS, normaliseBatch, RowNormaliser } from '../../services/shared/store/population-rows.js';

const settings = loadSettings();
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
const COLUMNS = ['citizen_id', 'full_name', 'date_of_birth', 'sex', 'address'];
const asRow = (fields: readonly string[]): Record<string, string> => Object.fromEntries(COLUMNS.map((c, k) => [c, fields[k]!]));
const good = (n: number): string[] => [`07908700${String(n).padStart(4, '0')}`, 'Nguyễn Văn Hoà', '14/03/1987', 'Nam', 'Số 1, Lê Lợi'];

describe('a population load’s batch of rows', () => {
  it('gives the lines its rows give one by one, in their order', () => {
    const cells = [good(1), good(2), good(3)];
    const oneByOne = new RowNormaliser('snapshot:1', settings);
    const lines = cells.map((fields, i) => oneByOne.normalise(asRow(fields), 2 + i));
    const batch = normaliseBatch(new RowNormaliser('snapshot:1', settings), COLUMNS, cells, 2);
    expect({ citizenLines: text(batch.citizenLines), keyLines: text(batch.keyLines), problems: batch.problems }).toEqual({
      citizenLines: lines.map((line) => ('citizenLine' in line ? line.citizenLine : '')).join(''),
      keyLines: lines.map((line) => ('keyLines' in line ? line.keyLines : '')).join(''),
      problems: [],
    });
  });

  it('writes each citizen one line and its blocking keys', () => {
    const batch = normaliseBatch(new RowNormaliser('snapshot:1', settings), COLUMNS, [good(1)], 2);
    expect([text(batch.citizenLines).split('\n').length - 1, text(batch.keyLines).split('\n').length - 1 > 0]).toEqual([1, true]);
  });

  it('names a bad row by its number in the file, counted from the batch’s first row', () => {
    const cells = [good(1), good(2), ['X-3', '', '1970', 'M', '']];
    const batch = normaliseBatch(new RowNormaliser('snapshot:1', settings), COLUMNS, cells, 4002);
    expect(batch.problems).toEqual(['row 4004: full_name is empty']);
  });

  it('reports a row with another number of fields than the header', () => {
    const batch = normaliseBatch(new RowNormaliser('snapshot:1', settings), COLUMNS, [good(1), ['X-2', 'Lê Văn A']], 2);
    expect(batch.problems).toEqual(['row 3: 2 fields, the header has 5']);
  });

  it('leaves a bad row out of the lines it copies', () => {
    const batch = normaliseBatch(new RowNormaliser('snapshot:1', settings), COLUMNS, [good(1), ['X-2', '', '1970', 'M', '']], 2);
    expect(text(batch.citizenLines).includes('X-2') || text(batch.keyLines).includes('X-2')).toBe(false);
  });

  it('reports at most the first problems of a batch with many bad rows', () => {
    const cells = Array.from({ length: MAX_REPORTED_ERRORS + 5 }, (_, i) => [`X-${i}`, '', '1970', 'M', '']);
    const batch = normaliseBatch(new RowNormaliser('snapshot:1', settings), COLUMNS, cells, 2);
    expect([batch.problems.length, batch.problems[0], batch.problems.at(-1)]).toEqual([
      MAX_REPORTED_ERRORS,
      'row 2: full_name is empty',
      `row ${MAX_REPORTED_ERRORS + 1}: full_name is empty`,
    ]);
  });
});

describe('a blocking key’s field in COPY’s text format', () => {
  it('leaves a value without backslash, tab or line break as it is', () => {
    expect(copyTextField('1987-03-14\u001fnguyen')).toBe('1987-03-14\u001fnguyen');
  });

  it('escapes a backslash, a tab, a line feed and a carriage return, every one of them', () => {
    expect(copyTextField('a\\b\tc\nd\re\\')).toBe('a\\\\b\\tc\\nd\\re\\\\');
  });

  it('writes a row’s key lines as rule, key and citizen_id separated by tabs', () => {
    const normalised = new RowNormaliser('snapshot:1', settings).normalise({ ...asRow(good(1)), citizen_id: 'K\\7' }, 2);
    const lines = 'keyLines' in normalised ? normalised.keyLines.split('\n').filter(Boolean) : [];
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.map((line) => line.split('\t').slice(2))).toEqual(lines.map(() => ['K\\\\7']));
  });
});
