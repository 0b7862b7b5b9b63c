import { describe, expect, it } from 'vitest';
import { decideDeterministic } from '../../services/shared/linkage/deterministic.js';
import { normaliseName } from '../../services/shared/normalise/name.js';
import type { NormalisedPerson } from '../../services/shared/schemas/records.js';

function person(name: string, dob: string | null, personalId: string | null = '079087000001'): NormalisedPerson {
  const normalised = normaliseName(name);
  if (!normalised) throw new Error('bad test name');
  return {
    ...normalised,
    personal_id: personalId,
    legacy_id: null,
    date_of_birth: dob ? { value: dob, precision: dob.length === 4 ? 'YEAR' : 'DAY' } : null,
    sex: 'MALE',
    address: null,
  };
}

const citizen = person('Nguyễn Văn Hùng', '1987-03-14');

describe('deterministic linkage', () => {
  it('links when the ID matches and the name written without diacritics and the birth year agree', () => {
    const decision = decideDeterministic({ record: person('NGUYEN VAN HUNG', '1987'), mayCreate: false, candidate: { person: citizen, foundBy: 'personal_id' } });
    expect([decision.decision, decision.reason]).toEqual(['LINK', 'PID_MATCH']);
  });

  it('sends to review an ID whose name and date of birth both contradict the citizen', () => {
    const decision = decideDeterministic({ record: person('Trần Thị Mai', '1990-01-01'), mayCreate: false, candidate: { person: citizen, foundBy: 'personal_id' } });
    expect([decision.decision, decision.reason]).toEqual(['REVIEW', 'PID_CONTRADICTED']);
  });

  it('sends to review an ID whose date of birth contradicts although the name agrees', () => {
    const decision = decideDeterministic({ record: person('Nguyễn Văn Hùng', '1960-01-01'), mayCreate: false, candidate: { person: citizen, foundBy: 'personal_id' } });
    expect([decision.decision, decision.reason]).toEqual(['REVIEW', 'PID_PARTLY_CONTRADICTED']);
  });

  it('creates a citizen for a birth whose ID is not in the register', () => {
    const decision = decideDeterministic({ record: person('Lê Minh Anh', '2026-11-01'), mayCreate: true, candidate: null });
    expect([decision.decision, decision.reason]).toEqual(['NEW', 'PID_NOT_FOUND']);
  });

  it('sends to review a record without ID from a source that may not create citizens', () => {
    const decision = decideDeterministic({ record: person('Lê Minh Anh', '1950', null), mayCreate: false, candidate: null });
    expect([decision.decision, decision.reason]).toEqual(['REVIEW', 'NO_PID']);
  });

  it('explains each comparison with its level and a sentence', () => {
    const decision = decideDeterministic({ record: person('NGUYEN VAN HUNG', '1987'), mayCreate: false, candidate: { person: citizen, foundBy: 'personal_id' } });
    expect(decision.explanation.comparisons.map((c) => [c.comparison, c.level])).toEqual([
      ['personal_id', 'exact'],
      ['full_name', 'folded_exact'],
      ['date_of_birth', 'compatible'],
      ['sex', 'exact'],
    ]);
    expect(decision.explanation.total).toBe(4);
  });
});
