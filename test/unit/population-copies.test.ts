import { describe, expect, it } from 'vitest';
import { duplicateCitizenProblem } from '../../services/shared/store/population-copies.js';

const refused = { code: '23505', constraint: 'citizens_pkey', where: 'COPY citizens, line 41', detail: 'Key (citizen_id)=(079087000001) already exists.' };

describe('a citizen_id PostgreSQL refused in a load’s COPY', () => {
  it('is named by its row in the file when every row before it was good', () => {
    expect(duplicateCitizenProblem(refused, 0)).toBe('row 42: its citizen_id is in the file twice, or in the register already');
  });

  it('is named by its row in the file when it is refused in a later segment, past the citizens of the segments before', () => {
    expect(duplicateCitizenProblem(refused, 35_000)).toBe('row 35042: its citizen_id is in the file twice, or in the register already');
  });

  it('is not given a row when rows before it were bad, since the COPY’s lines then skip them', () => {
    expect(duplicateCitizenProblem(refused, null)).toBe('a row: its citizen_id is in the file twice, or in the register already');
  });

  it('never repeats the ID the error’s detail holds', () => {
    expect(duplicateCitizenProblem(refused, 0)).not.toContain('079087000001');
  });

  it('is named by its row when it is a personal_id the register or an earlier row holds', () => {
    const personal = { ...refused, constraint: 'citizens_personal_id_key', detail: 'Key (personal_id)=(079087000001) already exists.' };
    expect(duplicateCitizenProblem(personal, 0)).toBe('row 42: its personal_id is in the file twice, or in the register already');
  });

  it('leaves any other error as it is', () => {
    expect(duplicateCitizenProblem({ code: '23505', constraint: 'other_pkey' }, 0)).toBeNull();
  });
});
