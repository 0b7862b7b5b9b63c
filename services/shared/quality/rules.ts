/**
 * The data-quality rule catalogue: every code dancu reports about a sector's data, in one place.
 * REJECT rules send the event to the dead-letter topic and to the publisher's feedback topic;
 * WARN rules let the event through and travel with it as findings, counted per source.
 * `dancu quality rules` prints this table; docs/data-quality-rules.md is generated from it.
 */
export type Severity = 'REJECT' | 'WARN';

export type RuleGroup =
  | 'message'
  | 'person'
  | 'identity'
  | 'address'
  | 'civil-status'
  | 'event-order'
  | 'deadline'
  | 'vaccination'
  | 'social-welfare'
  | 'driver-licence'
  | 'register';

export interface RuleDefinition {
  severity: Severity;
  group: RuleGroup;
  /** The rule as one plain sentence (what it checks); findings say it to publishers. */
  description: string;
}

const reject = (group: RuleGroup, description: string): RuleDefinition => ({ severity: 'REJECT', group, description });
const warn = (group: RuleGroup, description: string): RuleDefinition => ({ severity: 'WARN', group, description });

export const RULES = {
  DECODE_FAILED: reject(
    'message',
    'The bytes are not a record of a registered schema (not Avro, wrong magic byte, unknown schema id, truncated, or not JSON for a change-data topic).',
  ),
  PAYLOAD_TOO_LARGE: reject('message', 'The event is larger than the ingest limit (DANCU_INGEST_MAX_EVENT_BYTES, 1 MiB by default).'),
  FIELD_INVALID: reject('message', 'A field is missing, of the wrong type or out of its range.'),
  TEXT_INVALID_UTF8: reject('message', 'A text field holds bytes that are not valid UTF-8.'),
  TEXT_CONTROL_CHARACTERS: reject('message', 'A text field holds control characters (line breaks, NUL, escape codes).'),
  EVENT_TIME_IN_FUTURE: reject('message', 'The event time is more than a day in the future.'),
  CDC_NOT_AN_ENVELOPE: reject('message', 'A change-data message is not a Debezium envelope (before, after, op, source).'),
  CDC_TABLE_UNMAPPED: reject('message', 'A change-data message comes from a table that has no mapping for its source.'),

  NAME_MISSING: reject('person', 'The full name is required.'),
  NAME_TOO_LONG: reject('person', 'A full name has at most 200 characters.'),
  NAME_NOT_A_NAME: reject('person', 'The full name has no letters.'),
  NAME_INVALID_CHARACTERS: reject(
    'person',
    'A name holds only letters, marks, spaces, hyphens, apostrophes and periods (and digits left by Telex/VNI typing).',
  ),
  NAME_HAS_NUMBER: reject('person', 'A full name holds no word of digits alone (a phone number, an ID or a date typed into the name).'),
  NAME_TOO_MANY_WORDS: reject('person', 'A full name has at most 8 words.'),
  DOB_UNPARSEABLE: reject('person', 'The date of birth is not a date in a known format.'),
  DOB_IN_FUTURE: reject('person', 'The date of birth is in the future.'),
  DOB_IMPOSSIBLE_DAY: warn('person', 'The day of birth does not exist in its month (31/04); the month is kept.'),
  SEX_UNKNOWN_VALUE: warn('person', 'The sex is not one of M/F, male/female, nam/nữ; it is left empty.'),

  PID_FORMAT: reject('identity', 'A personal ID has 12 digits (or 9 for an old ID card).'),
  PID_PROVINCE_UNKNOWN: warn(
    'identity',
    "The personal ID's first three digits are not a province code: no one's ID (a placeholder like 000000000000), which linkage counts neither for nor against a citizen unless it is one typo from the citizen's own, and which never becomes a new citizen's ID.",
  ),
  PID_SEX_MISMATCH: warn('identity', "The personal ID's century-and-sex digit disagrees with the record's sex."),
  PID_BIRTH_YEAR_MISMATCH: warn('identity', "The personal ID's century and year digits disagree with the birth year."),

  ADDRESS_PROVINCE_UNKNOWN: warn(
    'address',
    'The last part of the address is not a province, neither one of the 63 before 1 July 2025 nor one of the 34 after.',
  ),
  ADDRESS_PROVINCE_MERGED: warn(
    'address',
    'The address names a province merged on 1 July 2025 (Resolution 202/2025/QH15); the 2025 province is added to the observation.',
  ),
  OFFICE_PROVINCE_UNKNOWN: warn(
    'address',
    'The office area does not end with a province (one of the 63 before 1 July 2025 or of the 34 after); the record is linked without knowing where it was made.',
  ),
  ADDRESS_TOO_LONG: warn(
    'address',
    "An address has at most 200 characters; a longer one is left out of the observation: it is no evidence for linkage and never becomes a citizen's address.",
  ),
  ADDRESS_IMPLAUSIBLE: warn(
    'address',
    'An address has letters and is not a placeholder ("không rõ"), repeated words or a character typed over and over; such an address is left out of the observation, as a too long one.',
  ),

  BIRTH_DATE_REQUIRED: reject('civil-status', 'A birth registration needs the full date of birth.'),
  DETAILS_MISMATCH: reject('civil-status', 'The details block present does not belong to the event type (a birth with death details).'),
  DEATH_DETAILS_REQUIRED: reject('civil-status', 'A death registration needs its death details.'),
  DOD_UNPARSEABLE: reject('civil-status', 'The date of death is not a date in a known format.'),
  DOD_IN_FUTURE: reject('civil-status', 'The date of death is in the future.'),
  MARRIAGE_DETAILS_REQUIRED: reject('civil-status', 'A marriage registration needs its marriage details.'),
  MARRIAGE_DATE_INVALID: reject('civil-status', 'The date of marriage is not a full day in a known format, or is in the future.'),
  CHANGE_DETAILS_REQUIRED: reject('civil-status', 'A change registration needs its change details.'),
  CHANGE_VALUE_INVALID: reject('civil-status', 'The new value of a change registration is not a valid value of its field.'),
  REGISTRATION_DATE_INVALID: reject('civil-status', 'The registration date is not a date, is in the future, or is before the event it registers.'),

  DOD_BEFORE_DOB: reject('event-order', 'The date of death is before the date of birth.'),
  MARRIAGE_BEFORE_BIRTH: reject('event-order', 'The marriage is dated before the spouse was born.'),
  MARRIAGE_UNDER_AGE: warn('event-order', 'The spouse is under the legal age of marriage (20 for men, 18 for women; Law on Marriage and Family 2014).'),
  VACCINATION_BEFORE_BIRTH: reject('event-order', 'The vaccination is dated before the date of birth.'),
  BENEFIT_BEFORE_BIRTH: reject('event-order', 'The benefit takes effect before the date of birth.'),
  LICENCE_HOLDER_UNDER_AGE: warn(
    'event-order',
    'The holder was under the legal age for the licence class on the issue date (Road Traffic Order and Safety Law 2024, art. 59).',
  ),
  FACT_AFTER_DEATH: warn('event-order', "A vaccination, benefit payment, licence issue or renewal, or marriage is dated after the citizen's registered death."),

  BIRTH_REGISTERED_LATE: warn('deadline', 'The birth was registered more than 60 days after it happened.'),
  DEATH_REGISTERED_LATE: warn('deadline', 'The death was registered more than 15 days after it happened.'),

  VACCINATION_DATE_INVALID: reject('vaccination', 'The date given is not a full day in a known format, or is in the future.'),
  DOSE_NUMBER_INVALID: reject('vaccination', 'The dose number is between 1 and 10.'),
  VACCINE_CODE_MISSING: reject('vaccination', 'The vaccine code is required.'),

  BENEFIT_DATE_INVALID: reject('social-welfare', 'The effective or end date is not a full day in a known format.'),
  BENEFIT_END_BEFORE_START: reject('social-welfare', 'The end date is before the effective date.'),
  BENEFIT_AMOUNT_NEGATIVE: reject('social-welfare', 'An amount is not negative.'),
  BENEFIT_STATUS_MISMATCH: warn('social-welfare', 'The status does not fit the event (a termination whose status is not TERMINATED).'),

  LICENCE_NUMBER_FORMAT: reject('driver-licence', 'A licence number has 12 digits.'),
  LICENCE_CLASS_UNKNOWN: reject('driver-licence', 'The licence class is not one of the classes of the 2024 law.'),
  LICENCE_DATE_INVALID: reject('driver-licence', 'The issue or expiry date is not a full day in a known format, or the issue date is in the future.'),
  LICENCE_EXPIRY_BEFORE_ISSUE: reject('driver-licence', 'The expiry date is before the issue date.'),
  LICENCE_PROVINCE_UNKNOWN: warn('driver-licence', "The licence number's first two digits are not a province code."),

  SOURCE_DISAGREES_WITH_REGISTER: warn(
    'register',
    'A source that is not authoritative for a field holds a value different from the register; the register keeps its value.',
  ),
} as const satisfies Record<string, RuleDefinition>;

export type RuleCode = keyof typeof RULES;

declare module '../errors.js' {
  /** A validation issue's code is a rule's code. */
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the rule codes are its keys
  interface IssueCodes extends Record<RuleCode, true> {}
}

export function isRuleCode(code: string): code is RuleCode {
  return code in RULES;
}

/** The catalogue as a Markdown table (docs/data-quality-rules.md and `dancu quality rules`). */
export function rulesMarkdown(): string {
  const lines = [
    '# Data-quality rules',
    '',
    'Generated from `services/shared/quality/rules.ts` by `dancu quality rules`; a test keeps the two equal.',
    'REJECT: the event goes to `dlq.v1` and its publisher gets a `feedback.<source>.v1` record listing every rule it failed.',
    'WARN: the event is applied; the finding travels with the observation, is stored with it and counted by `dancu quality report`.',
    '',
    '| code | severity | group | rule |',
    '|---|---|---|---|',
  ];
  for (const [code, rule] of Object.entries(RULES) as [RuleCode, RuleDefinition][]) {
    lines.push(`| \`${code}\` | ${rule.severity} | ${rule.group} | ${rule.description} |`);
  }
  return `${lines.join('\n')}\n`;
}
