import { describe, expect, it } from 'vitest';
// @ts-expect-error: the UI is plain browser JavaScript, without type declarations
import { characterDiff, differenceSummary, nearMiss } from '../../services/steward/ui/text-diff.js';

interface DiffPart {
  op: 'same' | 'changed' | 'added' | 'removed';
  text: string;
  mark?: 'diacritic' | 'case' | 'other';
}
const diff = characterDiff as (record: string, candidate: string) => DiffPart[];
const near = nearMiss as (record: string, candidate: string) => boolean;
const summary = differenceSummary as (field: string, record: string, candidate: string) => { key: string; n?: number }[];

describe('case page: character differences between the record and a candidate', () => {
  it('marks only the letters whose diacritics differ, and says that is all', () => {
    expect(diff('Nguyen Van An', 'Nguyễn Văn An')).toEqual([
      { op: 'same', text: 'Nguy' },
      { op: 'changed', text: 'ễ', mark: 'diacritic' },
      { op: 'same', text: 'n V' },
      { op: 'changed', text: 'ă', mark: 'diacritic' },
      { op: 'same', text: 'n An' },
    ]);
    expect(summary('full_name', 'Nguyen Van An', 'Nguyễn Văn An')).toEqual([{ key: 'diacritics_only' }]);
  });

  it('tells a day and month swapped from a different date', () => {
    expect(summary('date_of_birth', '1990-05-12', '1990-12-05')).toEqual([{ key: 'day_month_swapped' }]);
    expect(summary('date_of_birth', '1990-05-12', '1990-12-06')).not.toContainEqual({ key: 'day_month_swapped' });
  });

  it('marks the one digit of an ID that differs, and counts it', () => {
    expect(diff('001090000123', '001090000128')).toEqual([
      { op: 'same', text: '00109000012' },
      { op: 'changed', text: '8', mark: 'other' },
    ]);
    expect(summary('personal_id', '001090000123', '001090000128')).toEqual([{ key: 'digits_differ', n: 1 }]);
  });

  it('calls two neighbouring digits swapped a transposition', () => {
    expect(summary('personal_id', '001090000123', '001090000213')).toEqual([{ key: 'digits_transposed' }]);
  });

  it('marks a letter the candidate has and the record lacks as an insertion', () => {
    expect(diff('Lê Văn An', 'Lê Văn Anh')).toEqual([
      { op: 'same', text: 'Lê Văn An' },
      { op: 'added', text: 'h' },
    ]);
    expect(summary('full_name', 'Lê Văn An', 'Lê Văn Anh')).toEqual([{ key: 'chars_added', n: 1 }]);
  });

  it("keeps the record's letters the candidate lacks, as removed", () => {
    const parts = diff('Trần Thị Mai', 'Trần Mai');
    expect(parts.filter((part) => part.op === 'removed').map((part) => part.text.trim())).toEqual(['Thị']);
    expect(
      parts
        .filter((part) => part.op !== 'removed')
        .map((part) => part.text)
        .join(''),
    ).toBe('Trần Mai');
  });

  it('says nothing of equal values', () => {
    expect(summary('address', 'Số 3 Lê Lợi', 'Số 3 Lê Lợi')).toEqual([]);
  });

  it('marks a near miss, not two wholly different values', () => {
    expect([near('07/04/1990', '04/07/1990'), near('001090000123', '001090000128'), near('Nguyen Van An', 'Nguyễn Văn An')]).toEqual([true, true, true]);
    expect([near('054151847374', '092089701982'), near('Nguyễn Hoàng Khánh', 'Lê Thị Thảo')]).toEqual([false, false]);
  });
});
