import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../services/shared/errors.js';
import type { SourceName } from '../../services/shared/schemas/topics.js';
import { REPO_ROOT } from '../../services/shared/paths.js';
import { RULES, rulesMarkdown, type RuleCode } from '../../services/shared/quality/rules.js';
import { toObservation } from '../../services/shared/sources/sector-event.js';
import { SOURCE_ADAPTERS } from '../../services/shared/sources/source-adapters.js';

const NOW = new Date('2026-11-20T08:00:00Z');
const POSITION = { topic: 'sector.test.v1', partition: 0, offset: '7' };

type Event = Record<string, any>;

const envelope = (id: string, eventType: string, person: Event): Event => ({
  source_system: 'test-system',
  source_record_id: id,
  change_type: 'CREATE',
  event_type: eventType,
  event_time: NOW.getTime() - 3_600_000,
  person: { personal_id: null, full_name: null, date_of_birth: null, sex: null, address: null, ...person },
});

/** A valid event of each kind: every rule's passing case starts from one of these. */
const VALID = {
  birth: () => ({
    ...envelope('KS-1', 'BIRTH_REGISTRATION', {
      personal_id: '001326000123',
      full_name: 'TRẦN THỊ HOÀ',
      date_of_birth: '02/11/2026',
      sex: 'Nữ',
      address: 'Số 3 Lê Lợi, Hà Nội',
    }),
    registration_date: '2026-11-19',
    birth: { place_of_birth: 'Hà Nội', father_name: null, mother_name: null, ethnicity: 'Kinh', nationality: 'Việt Nam' },
    death: null,
    marriage: null,
    change: null,
  }),
  death: () => ({
    ...envelope('KT-1', 'DEATH_REGISTRATION', { personal_id: '001056000001', full_name: 'Lê Văn Nam', date_of_birth: '1956', sex: 'M' }),
    registration_date: '2026-11-12',
    birth: null,
    death: { date_of_death: '2026-11-10', place_of_death: null, cause: null },
    marriage: null,
    change: null,
  }),
  marriage: () => ({
    ...envelope('KH-1', 'MARRIAGE_REGISTRATION', { personal_id: '001096000001', full_name: 'Phạm Minh Đức', date_of_birth: '1996-05-01', sex: 'Nam' }),
    registration_date: '2026-11-01',
    birth: null,
    death: null,
    marriage: { date_of_marriage: '2026-11-01', spouse_name: 'Vũ Thị Lan', spouse_personal_id: null, place_of_registration: null },
    change: null,
  }),
  change: () => ({
    ...envelope('TD-1', 'CHANGE_REGISTRATION', { personal_id: '001096000001', full_name: 'Phạm Minh Đức', date_of_birth: '1996-05-01', sex: 'Nam' }),
    registration_date: '2026-11-01',
    birth: null,
    death: null,
    marriage: null,
    change: { field: 'FULL_NAME', new_value: 'Phạm Minh Đạt', effective_date: '2026-11-01' },
  }),
  vaccination: () => ({
    ...envelope('TC-1', 'VACCINATION', { personal_id: '001320000001', full_name: 'Nguyen Thi Mai', date_of_birth: '2020-03-03', sex: 'F' }),
    vaccination: { vaccine_code: 'MR', vaccine_name: null, dose_number: 1, date_administered: '2026-11-18', facility: null, lot_number: null },
  }),
  benefit: () => ({
    ...envelope('TCXH-1', 'BENEFIT_ENROLMENT', { personal_id: '001040000001', full_name: 'Đỗ Văn Hùng', date_of_birth: '1940-01-01', sex: 'Nam' }),
    benefit: { programme_code: 'TCXH-NCT', programme_name: null, amount_vnd: 500000, status: 'ACTIVE', effective_date: '2026-11-01', end_date: null },
  }),
  licence: () => ({
    ...envelope('GPLX-1', 'LICENCE_ISSUED', { personal_id: '001090000001', full_name: 'Hoàng Văn Tú', date_of_birth: '1990-02-02', sex: 'Nam' }),
    licence: { licence_number: '011234567890', licence_class: 'B', issue_date: '2026-11-01', expiry_date: '2036-11-01', revocation_reason: null },
  }),
} satisfies Record<string, () => Event>;

const SOURCE_OF: Record<keyof typeof VALID, SourceName> = {
  birth: 'civil-status',
  death: 'civil-status',
  marriage: 'civil-status',
  change: 'civil-status',
  vaccination: 'vaccination',
  benefit: 'social-welfare',
  licence: 'driver-licence',
};

interface RuleCase {
  base: keyof typeof VALID;
  fail: (event: Event) => void;
  /** A passing case closer to the failing one than the plain valid event, where there is one. */
  pass?: (event: Event) => void;
}

/** Rules checked on one event; the rest are checked where they live (see ELSEWHERE). */
const CASES: Partial<Record<RuleCode, RuleCase>> = {
  FIELD_INVALID: {
    base: 'vaccination',
    fail: (e) => {
      e.vaccination.dose_number = '1';
    },
  },
  TEXT_INVALID_UTF8: {
    base: 'vaccination',
    fail: (e) => {
      e.person.full_name = 'Nguy\ufffdn Thi Mai';
    },
  },
  TEXT_CONTROL_CHARACTERS: {
    base: 'vaccination',
    fail: (e) => {
      e.person.address = 'Số 1\u0000\u001b[2J';
    },
  },
  EVENT_TIME_IN_FUTURE: {
    base: 'licence',
    fail: (e) => {
      e.event_time = NOW.getTime() + 3 * 86_400_000;
    },
    pass: (e) => {
      e.event_time = NOW.getTime() + 3_600_000;
    },
  },
  NAME_MISSING: {
    base: 'benefit',
    fail: (e) => {
      e.person.full_name = '   ';
    },
  },
  NAME_TOO_LONG: {
    base: 'benefit',
    fail: (e) => {
      e.person.full_name = 'Nguyễn '.repeat(40);
    },
  },
  NAME_NOT_A_NAME: {
    base: 'benefit',
    fail: (e) => {
      e.person.full_name = '...';
    },
  },
  NAME_INVALID_CHARACTERS: {
    base: 'benefit',
    fail: (e) => {
      e.person.full_name = "Đỗ Văn A'; DROP TABLE citizens;--";
    },
    pass: (e) => {
      e.person.full_name = "H'Hen Niê";
    },
  },
  NAME_HAS_NUMBER: {
    base: 'benefit',
    fail: (e) => {
      e.person.full_name = 'Đỗ Văn Hùng 0912345678';
    },
    pass: (e) => {
      e.person.full_name = 'Đỗ Văn Hu2ng';
    },
  },
  NAME_TOO_MANY_WORDS: {
    base: 'benefit',
    fail: (e) => {
      e.person.full_name = 'Đỗ Văn Hùng Đỗ Văn Hùng Đỗ Văn Hùng';
    },
    pass: (e) => {
      e.person.full_name = 'Công Tằng Tôn Nữ Thị Hoài Thương';
    },
  },
  DOB_UNPARSEABLE: {
    base: 'vaccination',
    fail: (e) => {
      e.person.date_of_birth = 'ngày mai';
    },
  },
  DOB_IN_FUTURE: {
    base: 'vaccination',
    fail: (e) => {
      e.person.date_of_birth = '2199-01-01';
    },
  },
  DOB_IMPOSSIBLE_DAY: {
    base: 'vaccination',
    fail: (e) => {
      e.person.date_of_birth = '31/04/2020';
    },
    pass: (e) => {
      e.person.date_of_birth = '30/04/2020';
    },
  },
  SEX_UNKNOWN_VALUE: {
    base: 'vaccination',
    fail: (e) => {
      e.person.sex = 'X';
    },
    pass: (e) => {
      e.person.sex = 'nữ';
    },
  },
  PID_FORMAT: {
    base: 'licence',
    fail: (e) => {
      e.person.personal_id = 'ABC-12';
    },
    pass: (e) => {
      e.person.personal_id = '001 090 000001';
    },
  },
  PID_PROVINCE_UNKNOWN: {
    base: 'licence',
    fail: (e) => {
      e.person.personal_id = '099090000001';
    },
  },
  PID_SEX_MISMATCH: {
    base: 'licence',
    fail: (e) => {
      e.person.sex = 'Nữ';
    },
  },
  PID_BIRTH_YEAR_MISMATCH: {
    base: 'licence',
    fail: (e) => {
      e.person.date_of_birth = '1991-02-02';
    },
  },
  ADDRESS_PROVINCE_UNKNOWN: {
    base: 'benefit',
    fail: (e) => {
      e.person.address = 'Số 1 Lê Lợi, Atlantis';
    },
  },
  ADDRESS_PROVINCE_MERGED: {
    base: 'benefit',
    fail: (e) => {
      e.person.address = 'Số 1 Lê Lợi, tỉnh Bắc Giang';
    },
    pass: (e) => {
      e.person.address = 'Số 1 Lê Lợi, Bắc Ninh';
    },
  },
  OFFICE_PROVINCE_UNKNOWN: {
    base: 'vaccination',
    fail: (e) => {
      e.person.office_area = 'Trạm y tế xã An Phú, Atlantis';
    },
    pass: (e) => {
      e.person.office_area = 'Trạm y tế xã An Phú, tỉnh Thái Bình';
    },
  },
  ADDRESS_TOO_LONG: {
    base: 'vaccination',
    fail: (e) => {
      e.person.address = 'Thôn Đông, xã An Bình, '.repeat(21);
    },
    pass: (e) => {
      e.person.address = 'Căn hộ 12A05, Tòa nhà Keangnam Landmark 72, Đường Phạm Hùng, Phường Mễ Trì, Quận Nam Từ Liêm, Hà Nội';
    },
  },
  ADDRESS_IMPLAUSIBLE: {
    base: 'vaccination',
    fail: (e) => {
      e.person.address = 'không rõ';
    },
    pass: (e) => {
      e.person.address = 'Số 5, Phường 5, Quận 5, Hồ Chí Minh';
    },
  },
  BIRTH_DATE_REQUIRED: {
    base: 'birth',
    fail: (e) => {
      e.person.date_of_birth = '2026';
    },
  },
  DETAILS_MISMATCH: {
    base: 'birth',
    fail: (e) => {
      e.death = { date_of_death: '2026-11-10', place_of_death: null, cause: null };
    },
  },
  DEATH_DETAILS_REQUIRED: {
    base: 'death',
    fail: (e) => {
      e.death = null;
    },
  },
  DOD_UNPARSEABLE: {
    base: 'death',
    fail: (e) => {
      e.death.date_of_death = 'hôm qua';
    },
  },
  DOD_IN_FUTURE: {
    base: 'death',
    fail: (e) => {
      e.death.date_of_death = '2027-01-01';
      e.registration_date = null;
    },
  },
  MARRIAGE_DETAILS_REQUIRED: {
    base: 'marriage',
    fail: (e) => {
      e.marriage = null;
    },
  },
  MARRIAGE_DATE_INVALID: {
    base: 'marriage',
    fail: (e) => {
      e.marriage.date_of_marriage = '2026';
    },
  },
  CHANGE_DETAILS_REQUIRED: {
    base: 'change',
    fail: (e) => {
      e.change = null;
    },
  },
  CHANGE_VALUE_INVALID: {
    base: 'change',
    fail: (e) => {
      e.change = { field: 'SEX', new_value: 'X', effective_date: null };
    },
    pass: (e) => {
      e.change = { field: 'SEX', new_value: 'Nữ', effective_date: null };
    },
  },
  REGISTRATION_DATE_INVALID: {
    base: 'birth',
    fail: (e) => {
      e.registration_date = '2026-10-01';
    },
  },
  DOD_BEFORE_DOB: {
    base: 'death',
    fail: (e) => {
      e.death.date_of_death = '1955-12-31';
      e.registration_date = null;
    },
  },
  MARRIAGE_BEFORE_BIRTH: {
    base: 'marriage',
    fail: (e) => {
      e.marriage.date_of_marriage = '1995-01-01';
      e.registration_date = null;
    },
  },
  MARRIAGE_UNDER_AGE: {
    base: 'marriage',
    fail: (e) => {
      e.person.personal_id = '001208000001';
      e.person.date_of_birth = '2008-01-01';
    },
  },
  VACCINATION_BEFORE_BIRTH: {
    base: 'vaccination',
    fail: (e) => {
      e.vaccination.date_administered = '2019-12-31';
    },
  },
  BENEFIT_BEFORE_BIRTH: {
    base: 'benefit',
    fail: (e) => {
      e.benefit.effective_date = '1939-06-01';
    },
  },
  LICENCE_HOLDER_UNDER_AGE: {
    base: 'licence',
    fail: (e) => {
      e.person.personal_id = '001206000001';
      e.person.date_of_birth = '2006-01-01';
      e.licence.licence_class = 'C';
    },
    pass: (e) => {
      e.person.personal_id = '001206000001';
      e.person.date_of_birth = '2006-01-01';
    },
  },
  BIRTH_REGISTERED_LATE: {
    base: 'birth',
    fail: (e) => {
      e.person.date_of_birth = '2026-08-01';
    },
    pass: (e) => {
      e.person.date_of_birth = '2026-09-20';
    },
  },
  DEATH_REGISTERED_LATE: {
    base: 'death',
    fail: (e) => {
      e.death.date_of_death = '2026-10-01';
    },
    pass: (e) => {
      e.death.date_of_death = '2026-10-28';
    },
  },
  VACCINATION_DATE_INVALID: {
    base: 'vaccination',
    fail: (e) => {
      e.vaccination.date_administered = '2026-12-01';
    },
  },
  DOSE_NUMBER_INVALID: {
    base: 'vaccination',
    fail: (e) => {
      e.vaccination.dose_number = 0;
    },
  },
  VACCINE_CODE_MISSING: {
    base: 'vaccination',
    fail: (e) => {
      e.vaccination.vaccine_code = ' ';
    },
  },
  BENEFIT_DATE_INVALID: {
    base: 'benefit',
    fail: (e) => {
      e.benefit.effective_date = 'sắp tới';
    },
    pass: (e) => {
      e.benefit.effective_date = '2027-01-01';
    },
  },
  BENEFIT_END_BEFORE_START: {
    base: 'benefit',
    fail: (e) => {
      e.benefit.end_date = '2026-10-01';
    },
  },
  BENEFIT_AMOUNT_NEGATIVE: {
    base: 'benefit',
    fail: (e) => {
      e.benefit.amount_vnd = -1;
    },
    pass: (e) => {
      e.benefit.amount_vnd = 0;
    },
  },
  BENEFIT_STATUS_MISMATCH: {
    base: 'benefit',
    fail: (e) => {
      e.event_type = 'BENEFIT_TERMINATION';
    },
    pass: (e) => {
      e.event_type = 'BENEFIT_TERMINATION';
      e.benefit.status = 'TERMINATED';
    },
  },
  LICENCE_NUMBER_FORMAT: {
    base: 'licence',
    fail: (e) => {
      e.licence.licence_number = 'GPLX-12';
    },
  },
  LICENCE_CLASS_UNKNOWN: {
    base: 'licence',
    fail: (e) => {
      e.licence.licence_class = 'Z9';
    },
    pass: (e) => {
      e.licence.licence_class = 'a1';
    },
  },
  LICENCE_DATE_INVALID: {
    base: 'licence',
    fail: (e) => {
      e.licence.issue_date = '2026-12-24';
    },
  },
  LICENCE_EXPIRY_BEFORE_ISSUE: {
    base: 'licence',
    fail: (e) => {
      e.licence.expiry_date = '2020-01-01';
    },
  },
  LICENCE_PROVINCE_UNKNOWN: {
    base: 'licence',
    fail: (e) => {
      e.licence.licence_number = '991234567890';
    },
  },
};

/** Rules that need more than one event: the test that checks each. */
const ELSEWHERE: Partial<Record<RuleCode, string>> = {
  DECODE_FAILED: 'test/integration/malformed-input.test.ts',
  PAYLOAD_TOO_LARGE: 'test/integration/malformed-input.test.ts',
  CDC_NOT_AN_ENVELOPE: 'test/unit/debezium-mapping.test.ts',
  CDC_TABLE_UNMAPPED: 'test/unit/debezium-mapping.test.ts',
  FACT_AFTER_DEATH: 'test/integration/sector-sources.test.ts',
  SOURCE_DISAGREES_WITH_REGISTER: 'test/unit/survivorship.test.ts',
};

/** The codes an event gets: hard ones from the ValidationError, soft ones from the observation. */
function codesOf(base: keyof typeof VALID, change?: (event: Event) => void): { hard: string[]; soft: string[] } {
  const event = VALID[base]();
  change?.(event);
  try {
    const observation = toObservation(SOURCE_ADAPTERS[SOURCE_OF[base]], event, POSITION, NOW);
    return { hard: [], soft: observation.findings.map((finding) => finding.code) };
  } catch (error) {
    if (error instanceof ValidationError) return { hard: error.issues.map((issue) => issue.code), soft: [] };
    throw error;
  }
}

describe('data-quality rules', () => {
  it.each(Object.keys(VALID) as (keyof typeof VALID)[])('accepts the valid %s event without any finding', (base) => {
    expect(codesOf(base)).toEqual({ hard: [], soft: [] });
  });

  it.each(Object.entries(CASES) as [RuleCode, RuleCase][])('%s fails the event that breaks it, with its severity', (code, rule) => {
    const { hard, soft } = codesOf(rule.base, rule.fail);
    if (RULES[code].severity === 'REJECT') expect(hard).toContain(code);
    else expect({ hard, soft: soft.includes(code) }).toEqual({ hard: [], soft: true });
  });

  it.each(Object.entries(CASES) as [RuleCode, RuleCase][])('%s passes the event that keeps it', (code, rule) => {
    const { hard, soft } = codesOf(rule.base, rule.pass);
    expect([...hard, ...soft]).not.toContain(code);
    expect(hard).toEqual([]);
  });

  it('has a case for every rule in the catalogue, here or in the test named for it', () => {
    const missing = (Object.keys(RULES) as RuleCode[]).filter((code) => {
      if (CASES[code]) return false;
      const file = ELSEWHERE[code];
      return !file || !readFileSync(join(REPO_ROOT, file), 'utf8').includes(code);
    });
    expect(missing).toEqual([]);
  });

  it('reports every broken rule of an event at once', () => {
    const { hard } = codesOf('vaccination', (e) => {
      e.person.full_name = '';
      e.vaccination.dose_number = 0;
      e.vaccination.date_administered = 'mai';
    });
    expect(hard).toEqual(['NAME_MISSING', 'DOSE_NUMBER_INVALID', 'VACCINATION_DATE_INVALID']);
  });

  it('adds the 2025 province to an observation whose address names a merged one', () => {
    const event: Event = VALID.benefit();
    event.person.address = 'Thôn 2, xã Tân Lập, Bình Dương';
    expect(toObservation(SOURCE_ADAPTERS['social-welfare'], event, POSITION, NOW).attributes.address_province_2025).toBe('Hồ Chí Minh');
  });

  it('names the province of an address in a province not merged too, for routing its review cases', () => {
    const event: Event = VALID.benefit();
    event.person.address = 'Phường Bến Nghé, Hồ Chí Minh';
    expect(toObservation(SOURCE_ADAPTERS['social-welfare'], event, POSITION, NOW).attributes.address_province_2025).toBe('Hồ Chí Minh');
  });

  it('keeps docs/data-quality-rules.md equal to the catalogue', () => {
    expect(readFileSync(join(REPO_ROOT, 'docs', 'data-quality-rules.md'), 'utf8')).toBe(rulesMarkdown());
  });
});
