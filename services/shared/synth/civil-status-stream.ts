import { PROVINCES_2008 } from '../normalise/provinces.js';
import { foldToAscii } from '../normalise/text.js';
import type { CivilStatusEvent, Sex } from '../schemas/records.js';
import { PersonalIdIssuer, syntheticAddress, syntheticName, type SyntheticCitizen } from './population.js';
import { SeededRandom } from '../random.js';

export interface StreamPlan {
  births: number;
  deaths: number;
  /** Deaths registered without a personal ID: linked on name, birth date and sex, or sent to review. */
  deathsWithoutId: number;
  /** Deaths whose ID is another citizen's (a typo): that citizen must never be marked dead. */
  deathsWithWrongId: number;
  /** Events that decode but break the contract: each must be dead-lettered with its reason. */
  invalid: number;
}

export interface DeathTruth {
  citizenId: string;
  dateOfDeath: string;
  recordId: string;
  /** How the registration identifies the person: by their ID, without an ID, or by another citizen's ID (a typo). */
  identified: 'BY_ID' | 'WITHOUT_ID' | 'BY_WRONG_ID';
  /** For BY_WRONG_ID: the citizen whose ID was typed, who must never be marked dead. */
  idOwner: string | null;
}

export interface StreamTruth {
  births: { personalId: string; recordId: string }[];
  deaths: DeathTruth[];
  invalid: { recordId: string; reason: string }[];
}

const PROVINCE_CODES = Object.keys(PROVINCES_2008);
const SOURCE_SYSTEM = 'hotich-synthetic';

/** How civil-status registers write a deceased person's name: as the register has it, or dirtier. */
function registerSpelling(random: SeededRandom, name: string): string {
  return random.weighted<(n: string) => string>([
    [(n) => n, 4],
    [(n) => n.toLocaleUpperCase('vi'), 3],
    [(n) => foldToAscii(n).toUpperCase(), 2],
    [(n) => n.normalize('NFD'), 1],
  ])(name);
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/**
 * A civil-status stream against a synthetic population, with the truth about each event:
 * births of new people, deaths of registered ones (often with only the birth year, names in
 * capitals or without diacritics), deaths that cannot be linked by ID, and contract violations.
 */
export function generateCivilStatusStream(
  population: SyntheticCitizen[],
  plan: StreamPlan,
  seed: number,
  now = new Date(),
): { events: CivilStatusEvent[]; truth: StreamTruth } {
  const random = new SeededRandom(seed);
  const issuer = new PersonalIdIssuer(new SeededRandom(seed ^ 0x51ed270b));
  for (const citizen of population) issuer.reserve(citizen.personal_id);
  const today = now.toISOString().slice(0, 10);
  const truth: StreamTruth = { births: [], deaths: [], invalid: [] };
  const events: CivilStatusEvent[] = [];
  let serial = 0;
  const base = (eventType: CivilStatusEvent['event_type']): Omit<CivilStatusEvent, 'person' | 'birth' | 'death'> => {
    serial += 1;
    return {
      source_system: SOURCE_SYSTEM,
      source_record_id: `${eventType === 'BIRTH_REGISTRATION' ? 'KS' : 'KT'}-${seed}-${serial}`,
      change_type: 'CREATE',
      event_type: eventType,
      event_time: now.getTime() - random.int(0, 30 * 24 * 3600) * 1000,
      registration_date: today,
    };
  };

  for (let i = 0; i < plan.births; i += 1) {
    const sex: Sex = random.chance(0.5) ? 'MALE' : 'FEMALE';
    const province = random.pick(PROVINCE_CODES);
    const dob = addDays(today, -random.int(1, 55));
    const personalId = issuer.issue(province, sex, Number(dob.slice(0, 4)));
    const family = syntheticName(random, 'MALE').split(' ')[0];
    const event: CivilStatusEvent = {
      ...base('BIRTH_REGISTRATION'),
      person: {
        personal_id: personalId,
        full_name: syntheticName(random, sex, family),
        date_of_birth: random.chance(0.5) ? dob : dob.split('-').reverse().join('/'),
        sex: sex === 'MALE' ? 'Nam' : 'Nữ',
        address: syntheticAddress(random, province),
      },
      birth: {
        place_of_birth: PROVINCES_2008[province] ?? null,
        father_name: syntheticName(random, 'MALE', family),
        mother_name: syntheticName(random, 'FEMALE'),
        ethnicity: 'Kinh',
        nationality: 'Việt Nam',
      },
      death: null,
    };
    events.push(event);
    truth.births.push({ personalId, recordId: event.source_record_id });
  }

  const alive = [...population];
  const takeCitizen = (): SyntheticCitizen => {
    const index = random.int(0, alive.length - 1);
    const [citizen] = alive.splice(index, 1);
    if (!citizen) throw new Error('the population is too small for the planned deaths');
    return citizen;
  };
  const deathEvent = (
    citizen: SyntheticCitizen,
    personalId: string | null,
    identified: DeathTruth['identified'],
    idOwner: string | null = null,
  ): CivilStatusEvent => {
    const dateOfDeath = addDays(today, -random.int(1, 14));
    const event: CivilStatusEvent = {
      ...base('DEATH_REGISTRATION'),
      person: {
        personal_id: personalId,
        full_name: registerSpelling(random, citizen.full_name),
        date_of_birth: random.chance(0.7) ? citizen.date_of_birth.slice(0, 4) : citizen.date_of_birth,
        sex: citizen.sex === 'MALE' ? 'M' : 'F',
        address: null,
      },
      birth: null,
      death: { date_of_death: random.chance(0.5) ? dateOfDeath : dateOfDeath.split('-').reverse().join('/'), place_of_death: 'Bệnh viện', cause: null },
    };
    events.push(event);
    truth.deaths.push({ citizenId: citizen.citizen_id, dateOfDeath, recordId: event.source_record_id, identified, idOwner });
    return event;
  };

  for (let i = 0; i < plan.deaths; i += 1) {
    const citizen = takeCitizen();
    deathEvent(citizen, citizen.personal_id, 'BY_ID');
  }
  for (let i = 0; i < plan.deathsWithoutId; i += 1) deathEvent(takeCitizen(), null, 'WITHOUT_ID');
  for (let i = 0; i < plan.deathsWithWrongId; i += 1) {
    const deceased = takeCitizen();
    const other = takeCitizen();
    deathEvent(deceased, other.personal_id, 'BY_WRONG_ID', other.citizen_id).person.date_of_birth = deceased.date_of_birth;
  }

  const breakers: [string, (event: CivilStatusEvent) => void][] = [
    [
      'NAME_MISSING',
      (e) => {
        e.person.full_name = '  ';
      },
    ],
    [
      'PID_FORMAT',
      (e) => {
        e.person.personal_id = 'ABC-12';
      },
    ],
    [
      'DOB_IN_FUTURE',
      (e) => {
        e.person.date_of_birth = '2199-01-01';
      },
    ],
    [
      'DOB_UNPARSEABLE',
      (e) => {
        e.person.date_of_birth = 'ngày mai';
      },
    ],
    [
      'DEATH_DETAILS_REQUIRED',
      (e) => {
        e.event_type = 'DEATH_REGISTRATION';
        e.birth = null;
        e.death = null;
      },
    ],
  ];
  for (let i = 0; i < plan.invalid; i += 1) {
    const [reason, breakEvent] = breakers[i % breakers.length]!;
    const sex: Sex = random.chance(0.5) ? 'MALE' : 'FEMALE';
    const event: CivilStatusEvent = {
      ...base('BIRTH_REGISTRATION'),
      person: { personal_id: null, full_name: syntheticName(random, sex), date_of_birth: addDays(today, -3), sex: 'Nam', address: null },
      birth: null,
      death: null,
    };
    breakEvent(event);
    events.push(event);
    truth.invalid.push({ recordId: event.source_record_id, reason });
  }

  return { events: shuffle(random, events), truth };
}

function shuffle<T>(random: SeededRandom, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = random.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
