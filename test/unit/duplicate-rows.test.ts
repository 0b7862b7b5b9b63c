import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rebuiltConstraintProblem, refusedDuplicate } from '../../services/shared/store/duplicate-rows.js';

const dir = mkdtempSync(join(tmpdir(), 'duplicate-rows-'));
function snapshot(name: string, rows: string[]): string {
  const file = join(dir, `${name}.csv`);
  writeFileSync(file, `citizen_id,full_name,date_of_birth,sex,address,personal_id\n${rows.join('\n')}\n`);
  return file;
}
const rebuilt = (column: string, value: string) => ({
  code: '23505',
  constraint: column === 'citizen_id' ? 'citizens_pkey' : 'citizens_personal_id_key',
  detail: `Key (${column})=(${value}) is duplicated.`,
});

describe('a duplicate ID a load’s constraint refused', () => {
  it('is read from a COPY’s error as its column and line', () => {
    const copy = {
      code: '23505',
      constraint: 'citizens_personal_id_key',
      where: 'COPY citizens, line 7',
      detail: 'Key (personal_id)=(079087000001) already exists.',
    };
    expect(refusedDuplicate(copy)).toEqual({ column: 'personal_id', line: 7, value: null });
  });

  it('is read from a rebuilt index’s error as its column and value', () => {
    expect(refusedDuplicate(rebuilt('citizen_id', '079087000001'))).toEqual({ column: 'citizen_id', line: null, value: '079087000001' });
  });

  it('is not read from a unique violation of another table', () => {
    expect(refusedDuplicate({ code: '23505', constraint: 'citizen_blocking_keys_pkey', detail: 'Key (key)=(x) is duplicated.' })).toBeNull();
  });
});

describe('a duplicate refused when the constraint was rebuilt after the COPY', () => {
  const file = snapshot('twice', [
    '079087000001,An,1987,M,,',
    '079087000002,Bình,1988,F,,',
    '079087000003,Chi,1989,F,, 079087000002 ',
    '079087000002,Dũng,1990,M,,',
  ]);

  it('is named by the second row of the file that holds the value', async () => {
    expect(await rebuiltConstraintProblem(rebuilt('citizen_id', '079087000002'), file)).toBe(
      'row 5: its citizen_id is in the file twice, or in the register already',
    );
  });

  it('finds a personal_id written in its own column or taken from a row’s citizen_id, as the load writes it', async () => {
    expect(await rebuiltConstraintProblem(rebuilt('personal_id', '079087000002'), file)).toBe(
      'row 4: its personal_id is in the file twice, or in the register already',
    );
  });

  it('is named by its only row when the register held the value already', async () => {
    expect(await rebuiltConstraintProblem(rebuilt('citizen_id', '079087000001'), file)).toBe(
      'row 2: its citizen_id is in the file twice, or in the register already',
    );
  });

  it('is named "a row" when the error does not give the value', async () => {
    expect(await rebuiltConstraintProblem({ code: '23505', constraint: 'citizens_pkey' }, file)).toBe(
      'a row: its citizen_id is in the file twice, or in the register already',
    );
  });

  it('reads the last of two columns of one name, as the load does', async () => {
    const twoColumns = join(dir, 'two-columns.csv');
    writeFileSync(twoColumns, 'citizen_id,personal_id,full_name,personal_id\n079087000001,,An,079087000009\n079087000002,,Bình,079087000009\n');
    expect(await rebuiltConstraintProblem(rebuilt('personal_id', '079087000009'), twoColumns)).toBe(
      'row 3: its personal_id is in the file twice, or in the register already',
    );
  });

  it('is named "a row" when the file cannot be read again', async () => {
    expect(await rebuiltConstraintProblem(rebuilt('citizen_id', '079087000002'), join(dir, 'gone.csv'))).toBe(
      'a row: its citizen_id is in the file twice, or in the register already',
    );
  });

  it('never repeats the ID', async () => {
    expect(await rebuiltConstraintProblem(rebuilt('citizen_id', '079087000002'), file)).not.toContain('079087000002');
  });

  it('leaves a COPY’s refusal to the COPY’s report', async () => {
    expect(await rebuiltConstraintProblem({ code: '23505', constraint: 'citizens_pkey', where: 'COPY citizens, line 3' }, file)).toBeNull();
  });
});
