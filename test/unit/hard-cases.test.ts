import { describe, expect, it } from 'vitest';
import { inMemoryLinkage } from '../../services/shared/linkage/batch-linkage.js';
import { toMatchRecord, type RawPerson } from '../../services/shared/linkage/match-record.js';
import { committedLinkage } from '../helpers/committed-linkage.js';

/** The misses of issue 15, each built from its example, against the committed settings. */
const committed = committedLinkage(41);
const { settings, background } = committed;
const son: RawPerson = {
  personal_id: '040057001234',
  full_name: 'Lương Văn Sơn',
  date_of_birth: '00/00/1957',
  sex: 'M',
  address: 'Số 14 Lê Lợi, Nghệ An',
};

function linkage(register: RawPerson[]) {
  return committed.over(Object.fromEntries(register.map((person, i) => [`C${i}`, person])));
}

function candidates(register: RawPerson[], record: RawPerson): string[] {
  const { source } = linkage(register);
  return source.candidatesOf(toMatchRecord('R1', record)).map((c) => c.id);
}

describe('blocking reaches the no-ID records whose register date of birth is the year only', () => {
  it('finds Lương Văn Sơn, registered as born 00/00/1957, for a record with a typo in the middle name', () => {
    expect(candidates([son], { full_name: 'LUONG VN SON', date_of_birth: '1957', sex: 'M' })).toContain('C0');
  });

  it('finds him for a record with the middle name dropped', () => {
    expect(candidates([son], { full_name: 'LƯƠNG SƠN', date_of_birth: '12/05/1957', sex: 'M' })).toContain('C0');
  });

  it('finds him for a record with a typo in the family name and his house number', () => {
    expect(candidates([son], { full_name: 'Lươg Văn Sơn', date_of_birth: '1957', address: '14 Le Loi Nghe An' })).toContain('C0');
  });
});

describe("blocking reaches a record by its household's address when name and date are both damaged", () => {
  const nghia: RawPerson = {
    personal_id: '091048786181',
    full_name: 'Trần Văn Nghĩa',
    date_of_birth: '1948-10-07',
    sex: 'M',
    address: 'Số 50, đường Hai Bà Trưng, xã An Phú, An Giang',
  };

  it('finds Trần Văn Nghĩa for a record with his name turned round and mistyped, the year only and the province before the merger', () => {
    expect(
      candidates([nghia], { full_name: 'Van Nghca Tran', date_of_birth: '00/00/1948', sex: 'M', address: 'so 50 hai ba trung, an phu, kien giang' }),
    ).toContain('C0');
  });

  it('does not find him for the same record from another house of the street', () => {
    expect(
      candidates([nghia], { full_name: 'Van Nghca Tran', date_of_birth: '00/00/1948', sex: 'M', address: 'so 52 hai ba trung, an phu, kien giang' }),
    ).toEqual([]);
  });
});

function decide(register: RawPerson[], record: RawPerson) {
  const { engine, source } = linkage(register);
  const match = toMatchRecord('R1', record);
  return engine.decide(match, source.candidatesOf(match));
}

function levelOf(register: RawPerson[], record: RawPerson): string | undefined {
  const decision = decide(register, record);
  return decision.explanation?.comparisons.find((c) => c.comparison === 'full_name')?.level ?? decision.evidence?.levels.join(',');
}

const nam: RawPerson = { personal_id: '034085004321', full_name: 'Bùi Văn Nam', date_of_birth: '1985-04-17', sex: 'M', address: 'Số 8 Trần Phú, Thái Bình' };

describe('names the sector wrote another way', () => {
  it('links a record with the given name written first (Nam Bùi Văn) and no ID on its date of birth and address', () => {
    const decision = decide([nam], { full_name: 'Nam Bùi Văn', date_of_birth: '17/04/1985', sex: 'Nam', address: 'Số 8 Trần Phú, Thái Bình' });
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C0']);
  });

  it('links LƯƠNG SƠN to Lương Văn Sơn: a dropped middle name is a graded agreement of the names', () => {
    const lan = { ...son, date_of_birth: '1957-05-12' };
    const decision = decide([lan], { full_name: 'LƯƠNG SƠN', date_of_birth: '12/05/1957', sex: 'M', address: 'Số 14 Lê Lợi, Nghệ An' });
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C0']);
  });

  it('scores words swapped between the family and given name fields, each with a typo, as close names', () => {
    const lara: RawPerson = {
      personal_id: '8213647',
      full_name: 'Mccowat Lara',
      date_of_birth: '1929-08-15',
      address: '15 dumas street westholme dimboola 3041 qld',
    };
    const { engine } = linkage([lara]);
    const score = engine.scorer.score(toMatchRecord('R1', { full_name: 'La Mccoat', date_of_birth: '1929-08-15' }), toMatchRecord('C0', lara));
    expect(score.comparisons.find((c) => c.comparison === 'full_name')?.level).toBe('words_close');
  });
});

describe('a typo in the first letter of the given name', () => {
  const hung: RawPerson = {
    personal_id: '026070998149',
    full_name: 'Phan Văn Hùng',
    date_of_birth: '1970-06-08',
    sex: 'M',
    address: 'Số 292 Nguyễn Trãi, Vĩnh Phúc',
  };

  it('sends Phan Văn Rùng with no ID to a steward as a given name one letter off, neither linked nor new', () => {
    const decision = decide([hung], { full_name: 'Phan Văn Rùng', date_of_birth: '1970-06-08', sex: 'M', address: 'so 292 nguyen trai, vinh phuc' });
    expect([
      decision.decision,
      levelOf([hung], { full_name: 'Phan Văn Rùng', date_of_birth: '1970-06-08', sex: 'M', address: 'so 292 nguyen trai, vinh phuc' }),
    ]).toEqual(['REVIEW', 'given_one_letter']);
  });

  it('links it when the ID agrees', () => {
    const decision = decide([hung], { ...hung, full_name: 'Phan Văn Rùng' });
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C0']);
  });

  it('never links twins whose given names are one letter apart (Hùng and Dũng) on consecutive IDs, same birth date and address', () => {
    const dung: RawPerson = { ...hung, personal_id: '026070998148', full_name: 'Phan Văn Dũng' };
    expect(decide([hung], dung).decision).not.toBe('LINK');
    expect(decide([hung], { ...dung, personal_id: null }).decision).not.toBe('LINK');
  });
});

describe('twins whose given names are a letter apart and alike (Hải and Hà)', () => {
  const hai: RawPerson = { personal_id: '001085004321', full_name: 'Phan Văn Hải', date_of_birth: '1985-03-07', sex: 'M', address: 'Số 9 Trần Phú, Hà Nội' };
  const ha: RawPerson = { ...hai, personal_id: '001085004322', full_name: 'Phan Văn Hà' };

  it("never links one to the other on her own consecutive ID: a steward decides, with the rule's sentence", () => {
    const decision = decide([hai], ha);
    expect([decision.decision, decision.explanation?.summary]).toEqual(['REVIEW', expect.stringContaining('twins have consecutive ID numbers')]);
  });

  it('never links her to him on her own consecutive ID when her family name is mistyped too', () => {
    expect(decide([hai], { ...ha, full_name: 'Phn Văn Hà' }).decision).toBe('REVIEW');
  });

  it('links a record of Hải whose ID has a one-digit typo far from consecutive and whose name was written as another, on his birth date and address', () => {
    const decision = decide([hai, ha], { ...hai, full_name: 'Trần Minh Tuấn', personal_id: '001085009321' });
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C0']);
  });

  it("sends the same record to a steward under settings whose near-ID levels are weak_when_else the name's", () => {
    const weakened = {
      ...settings,
      comparisons: settings.comparisons.map((c) =>
        c.name === 'personal_id'
          ? { ...c, levels: c.levels.map((level) => (level.label === 'one_digit_off' ? { ...level, weak_when_else: ['full_name'] } : level)) }
          : c,
      ),
    };
    const { engine, source } = inMemoryLinkage(weakened, [...background, toMatchRecord('C0', hai)]);
    const match = toMatchRecord('R1', { ...hai, full_name: 'Trần Minh Tuấn', personal_id: '001085009321' });
    expect(engine.decide(match, source.candidatesOf(match)).reason).toBe('REQUIRED_FIELD_DISAGREES');
  });

  it('still links a record of Hải with a one-digit typo in his ID', () => {
    const decision = decide([hai, ha], { ...hai, personal_id: '001085004331' });
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C0']);
  });

  it("links a record of Hải whose ID has a typo far from consecutive and whose given name has a typo: the twins' rule is for consecutive IDs", () => {
    const decision = decide([hai, ha], { ...hai, full_name: 'Phan Văn Haii', personal_id: '001085009321' });
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C0']);
  });

  it('links a record of Hải without his given name and with a one-digit typo in his ID: a missing given name is no sign of a twin', () => {
    const decision = decide([hai], { ...hai, full_name: 'Phan', personal_id: '001085004331' });
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C0']);
  });

  it('sends that record to a steward when its ID is one digit from both twins: without a given name nothing tells them apart', () => {
    const decision = decide([hai, ha], { ...hai, full_name: 'Phan', personal_id: '001085004325' });
    expect([decision.decision, decision.reason]).toEqual(['REVIEW', 'AMBIGUOUS']);
  });
});

describe('a person who moved to another ward', () => {
  it('links her record with her new address and no ID on her name, full date of birth and sex', () => {
    const mai: RawPerson = { personal_id: '001190000123', full_name: 'Trần Thị Mai', date_of_birth: '1990-01-01', sex: 'F', address: 'Số 3 Hàng Bạc, Hà Nội' };
    const decision = decide([mai], { full_name: 'TRAN THI MAI', date_of_birth: '01/01/1990', sex: 'Nữ', address: 'Số 120 Kim Mã, Hà Nội' });
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C0']);
  });
});
