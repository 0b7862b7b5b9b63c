import type { SourceName } from '../schemas/topics.js';
import { PROVINCES_2008 } from '../normalise/provinces.js';
import { foldToAscii } from '../normalise/text.js';
import type { CivilStatusEvent, DriverLicenceEvent, PersonFields, SocialWelfareEvent, VaccinationEvent } from '../schemas/records.js';
import { generateCivilStatusStream, type StreamTruth } from './civil-status-stream.js';
import { syntheticName, type SyntheticCitizen } from './population.js';
import { hashOfText, SeededRandom } from '../random.js';

export interface SectorDayPlan {
  births: number;
  deaths: number;
  marriages: number;
  nameChanges: number;
  vaccinations: number;
  /** Of the vaccinations, first doses of newborns published before their birth registration; a quarter by default. */
  newbornVaccinations?: number;
  benefits: number;
  licences: number;
  /** Events per source that break a rule and must be rejected. */
  invalidPerSource: number;
}

export const DEFAULT_DAY_PLAN: SectorDayPlan = {
  births: 300,
  deaths: 150,
  marriages: 60,
  nameChanges: 20,
  vaccinations: 800,
  benefits: 500,
  licences: 300,
  invalidPerSource: 8,
};

/** What each event is about, for checking the pipeline's work against the synthetic truth. */
export interface SectorDayTruth {
  civilStatus: StreamTruth;
  /** Source record id → the citizen (personal ID) it is about; newborns by the ID their birth registration brings. */
  about: Map<string, string>;
  /** Events that break a rule, with the rule each must be rejected for. */
  rejected: { source: SourceName; recordId: string; rule: string }[];
  /** Vaccinations of newborns published before their birth registration: unlinked first, linked when the birth is applied. */
  beforeBirthRegistration: string[];
  /** Of those, the ones that carry a registered parent's ID instead of none (a guardian's ID). */
  withGuardianId: string[];
  /** Facts dated after the person's registered death. */
  afterDeath: string[];
}

export interface SectorDay {
  events: Record<SourceName, unknown[]>;
  truth: SectorDayTruth;
}

const DAY_MS = 86_400_000;

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function ageOn(citizen: SyntheticCitizen, day: string): number {
  const years = Number(day.slice(0, 4)) - Number(citizen.date_of_birth.slice(0, 4));
  return day.slice(5) < citizen.date_of_birth.slice(5) ? years - 1 : years;
}

/**
 * Registered adults of a parent's age (20 to 45), by family name: whose IDs a clinic writes on
 * newborns' records.
 */
function parentsByFamily(living: readonly SyntheticCitizen[], today: string): Map<string, SyntheticCitizen[]> {
  const byFamily = new Map<string, SyntheticCitizen[]>();
  for (const citizen of living) {
    const age = ageOn(citizen, today);
    if (age < 20 || age > 45) continue;
    const family = citizen.full_name.split(' ')[0] ?? '';
    const list = byFamily.get(family);
    if (list) list.push(citizen);
    else byFamily.set(family, [citizen]);
  }
  return byFamily;
}

/**
 * A registered adult of the newborn's family name, of a parent's age, whose ID a clinic writes
 * on the newborn's record. Chosen by the newborn's name and birth day, not by a random draw, so
 * the rest of the day stays the same; and one of many, as a parent is on a few newborns' records
 * at most: one adult a family would carry a third of the day's guardian IDs (every Nguyễn's), and
 * every chunk of the store would wait on that one key's lock.
 */
function guardianOf(
  newborn: { full_name: string; date_of_birth: string },
  parents: ReadonlyMap<string, readonly SyntheticCitizen[]>,
): SyntheticCitizen | undefined {
  const candidates = parents.get(newborn.full_name.split(' ')[0] ?? '');
  if (!candidates || candidates.length === 0) return undefined;
  const hash = hashOfText(`${newborn.full_name}|${newborn.date_of_birth}`);
  // Vietnamese families do not give a child a parent's given name (kiêng tên): the adults bearing the newborn's are skipped.
  const given = newborn.full_name.split(' ').at(-1);
  for (let tried = 0; tried < candidates.length; tried += 1) {
    const candidate = candidates[(hash + tried) % candidates.length]!;
    if (candidate.full_name.split(' ').at(-1) !== given) return candidate;
  }
  return undefined;
}

/**
 * Where a sector made its record: the province of the person's home, as an office there names it
 * (no random draw, so every other value of the day is as before offices were named).
 */
function officeFor(address: string | null): string | null {
  const province = address?.split(',').at(-1)?.trim();
  return province ? province : null;
}

/** A person as a sector holds them: an ID most of the time, names and dates written the many ways sectors write them. */
function asHeld(
  random: SeededRandom,
  person: { personal_id: string | null; full_name: string; date_of_birth: string; sex: 'MALE' | 'FEMALE'; address: string | null },
  idShare: number,
): PersonFields {
  const name = random.weighted<(n: string) => string>([
    [(n) => n, 5],
    [(n) => n.toLocaleUpperCase('vi'), 2],
    [(n) => foldToAscii(n).replace(/\b\w/g, (c) => c.toUpperCase()), 2],
    [(n) => n.normalize('NFD'), 1],
  ])(person.full_name);
  const dob = random.weighted<string>([
    [person.date_of_birth, 5],
    [person.date_of_birth.split('-').reverse().join('/'), 4],
    [person.date_of_birth.slice(0, 4), 1],
  ]);
  const sex = person.sex === 'MALE' ? random.pick(['M', 'Nam', 'nam', 'MALE']) : random.pick(['F', 'Nữ', 'nu', 'FEMALE']);
  return {
    personal_id: random.chance(idShare) ? person.personal_id : null,
    full_name: name,
    date_of_birth: dob,
    sex,
    address: random.chance(0.8) ? person.address : null,
    office_area: officeFor(person.address),
  };
}

function eventTime(random: SeededRandom, now: Date): number {
  return now.getTime() - random.int(60, 20 * 3600) * 1000;
}

/**
 * A synthetic day of all four sources against a synthetic register: births, deaths, marriages
 * and name changes from civil status; vaccinations (newborns' first doses often reach dancu
 * before their birth registration), welfare enrolments and payments (some after the person's
 * death), licences (some in old province names, some under age); and in each source a few
 * events that break a rule. Every event's truth is kept for checking.
 */
export function generateSectorDay(population: SyntheticCitizen[], plan: SectorDayPlan, seed: number, now = new Date()): SectorDay {
  const random = new SeededRandom(seed);
  const today = now.toISOString().slice(0, 10);
  const stream = generateCivilStatusStream(
    population,
    {
      births: plan.births,
      deaths: plan.deaths,
      deathsWithoutId: Math.ceil(plan.deaths / 20),
      deathsWithWrongId: Math.ceil(plan.deaths / 40),
      invalid: plan.invalidPerSource,
    },
    seed,
    now,
  );
  const truth: SectorDayTruth = { civilStatus: stream.truth, about: new Map(), rejected: [], beforeBirthRegistration: [], withGuardianId: [], afterDeath: [] };
  for (const invalid of stream.truth.invalid) truth.rejected.push({ source: 'civil-status', recordId: invalid.recordId, rule: invalid.reason });
  const dead = new Set(stream.truth.deaths.flatMap((d) => [d.citizenId, d.idOwner ?? '']));
  const living = population.filter((citizen) => !dead.has(citizen.citizen_id));
  const civil: CivilStatusEvent[] = [...stream.events];
  let serial = 0;
  const id = (prefix: string) => `${prefix}-${seed}-${(serial += 1)}`;

  const adults = living.filter((citizen) => ageOn(citizen, today) >= 20 && ageOn(citizen, today) <= 60);
  for (let i = 0; i < plan.marriages; i += 1) {
    const [a, b] = [random.pick(adults), random.pick(adults)];
    if (a.citizen_id === b.citizen_id) continue;
    const date = addDays(today, -random.int(1, 20));
    for (const [spouse, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const recordId = id('KH');
      civil.push({
        source_system: 'hotich-synthetic',
        source_record_id: recordId,
        change_type: 'CREATE',
        event_type: 'MARRIAGE_REGISTRATION',
        event_time: eventTime(random, now),
        registration_date: date,
        person: { ...asHeld(random, spouse, 1), date_of_birth: spouse.date_of_birth },
        birth: null,
        death: null,
        marriage: { date_of_marriage: date, spouse_name: other.full_name, spouse_personal_id: other.personal_id, place_of_registration: 'UBND xã' },
        change: null,
      });
      truth.about.set(recordId, spouse.citizen_id);
    }
  }
  for (let i = 0; i < plan.nameChanges; i += 1) {
    const person = random.pick(living);
    const recordId = id('TD');
    const newName = syntheticName(random, person.sex, person.full_name.split(' ')[0]);
    civil.push({
      source_system: 'hotich-synthetic',
      source_record_id: recordId,
      change_type: 'CREATE',
      event_type: 'CHANGE_REGISTRATION',
      event_time: eventTime(random, now),
      registration_date: today,
      person: {
        personal_id: person.personal_id,
        full_name: person.full_name,
        date_of_birth: person.date_of_birth,
        sex: person.sex === 'MALE' ? 'Nam' : 'Nữ',
        address: null,
      },
      birth: null,
      death: null,
      marriage: null,
      change: { field: 'FULL_NAME', new_value: newName, effective_date: today },
    });
    truth.about.set(recordId, person.citizen_id);
  }

  const vaccinations: VaccinationEvent[] = [];
  const vaccination = (person: Parameters<typeof asHeld>[1], idShare: number, code: string, dose: number, date: string): VaccinationEvent => ({
    source_system: 'tiemchung-synthetic',
    source_record_id: id('TC'),
    change_type: 'CREATE',
    event_type: 'VACCINATION',
    event_time: eventTime(random, now),
    person: asHeld(random, person, idShare),
    vaccination: {
      vaccine_code: code,
      vaccine_name: null,
      dose_number: dose,
      date_administered: date,
      facility: 'Trạm y tế xã',
      lot_number: `L${random.int(1000, 9999)}`,
    },
  });
  const parents = parentsByFamily(living, today);
  const births = civil.filter((event) => event.event_type === 'BIRTH_REGISTRATION' && stream.truth.births.some((b) => b.recordId === event.source_record_id));
  for (const [i, birth] of births.slice(0, plan.newbornVaccinations ?? Math.floor(plan.vaccinations / 4)).entries()) {
    const dob = birth.person.date_of_birth ?? today;
    const iso = dob.includes('/') ? dob.split('/').reverse().join('-') : dob;
    const newborn = {
      personal_id: birth.person.personal_id,
      full_name: birth.person.full_name ?? '',
      date_of_birth: iso,
      sex: birth.person.sex === 'Nam' ? ('MALE' as const) : ('FEMALE' as const),
      address: birth.person.address,
    };
    const event = vaccination(newborn, 0, 'HEPB', 1, iso);
    event.person.date_of_birth = iso;
    // Every other newborn's record carries a parent's ID, as clinics often write before the child has one.
    const guardian = i % 2 === 1 ? guardianOf(newborn, parents) : undefined;
    if (guardian) {
      event.person.personal_id = guardian.personal_id;
      truth.withGuardianId.push(event.source_record_id);
    }
    vaccinations.push(event);
    truth.about.set(event.source_record_id, birth.person.personal_id ?? '');
    truth.beforeBirthRegistration.push(event.source_record_id);
  }
  const children = living.filter((citizen) => ageOn(citizen, today) <= 12);
  const vaccinated = children.length > 0 ? children : living;
  while (vaccinations.length < plan.vaccinations) {
    const person = random.pick(vaccinated);
    const event = vaccination(person, 0.6, random.pick(['MR', 'DPT-VGB-HIB', 'OPV', 'JE', 'INFLUENZA']), random.int(1, 3), addDays(today, -random.int(0, 6)));
    vaccinations.push(event);
    truth.about.set(event.source_record_id, person.citizen_id);
  }

  const welfare: SocialWelfareEvent[] = [];
  const elderly = living.filter((citizen) => ageOn(citizen, today) >= 75);
  const benefit = (person: Parameters<typeof asHeld>[1], type: SocialWelfareEvent['event_type'], date: string): SocialWelfareEvent => ({
    source_system: 'btxh-synthetic',
    source_record_id: id('TCXH'),
    change_type: 'CREATE',
    event_type: type,
    event_time: eventTime(random, now),
    person: asHeld(random, person, 0.9),
    benefit: {
      programme_code: 'TCXH-NCT',
      programme_name: 'Trợ cấp xã hội người cao tuổi',
      amount_vnd: 500_000,
      status: 'ACTIVE',
      effective_date: date,
      end_date: null,
    },
  });
  const deceased = stream.truth.deaths.filter((death) => death.identified === 'BY_ID').slice(0, Math.ceil(plan.benefits / 50));
  for (const death of deceased) {
    const person = population.find((citizen) => citizen.citizen_id === death.citizenId);
    if (!person) continue;
    const event = benefit(person, 'BENEFIT_PAYMENT', addDays(death.dateOfDeath, 1));
    event.person.personal_id = person.personal_id;
    welfare.push(event);
    truth.about.set(event.source_record_id, person.citizen_id);
    truth.afterDeath.push(event.source_record_id);
  }
  while (welfare.length < plan.benefits) {
    const person = random.pick(elderly.length > 0 ? elderly : living);
    const event = benefit(person, random.chance(0.3) ? 'BENEFIT_ENROLMENT' : 'BENEFIT_PAYMENT', addDays(today, -random.int(0, 6)));
    welfare.push(event);
    truth.about.set(event.source_record_id, person.citizen_id);
  }

  const licences: DriverLicenceEvent[] = [];
  const drivers = living.filter((citizen) => ageOn(citizen, today) >= 18 && ageOn(citizen, today) <= 70);
  const provinceCodes = Object.keys(PROVINCES_2008);
  while (licences.length < plan.licences) {
    const person = random.pick(drivers);
    const issued = addDays(today, -random.int(0, 6));
    const licenceClass = random.weighted([
      ['A1', 5],
      ['B', 4],
      ['C', 1],
    ] as const);
    const event: DriverLicenceEvent = {
      source_system: 'gplx-synthetic',
      source_record_id: id('GPLX'),
      change_type: 'CREATE',
      event_type: random.chance(0.7) ? 'LICENCE_ISSUED' : 'LICENCE_RENEWED',
      event_time: eventTime(random, now),
      person: asHeld(random, person, 0.95),
      licence: {
        licence_number: `${random.pick(provinceCodes).slice(1)}${String(random.int(0, 9_999_999_999)).padStart(10, '0')}`,
        licence_class: licenceClass,
        issue_date: issued,
        expiry_date: addDays(issued, 3650),
        revocation_reason: null,
      },
    };
    licences.push(event);
    truth.about.set(event.source_record_id, person.citizen_id);
  }

  const breakers: { source: SourceName; rule: string; events: { source_record_id: string }[]; breakEvent: (event: never) => void }[] = [
    {
      source: 'vaccination',
      rule: 'DOSE_NUMBER_INVALID',
      events: vaccinations,
      breakEvent: (e: VaccinationEvent) => {
        e.vaccination.dose_number = 0;
      },
    },
    {
      source: 'vaccination',
      rule: 'VACCINATION_DATE_INVALID',
      events: vaccinations,
      breakEvent: (e: VaccinationEvent) => {
        e.vaccination.date_administered = addDays(today, 30);
      },
    },
    {
      source: 'social-welfare',
      rule: 'BENEFIT_AMOUNT_NEGATIVE',
      events: welfare,
      breakEvent: (e: SocialWelfareEvent) => {
        e.benefit.amount_vnd = -500_000;
      },
    },
    {
      source: 'social-welfare',
      rule: 'BENEFIT_END_BEFORE_START',
      events: welfare,
      breakEvent: (e: SocialWelfareEvent) => {
        e.benefit.end_date = addDays(e.benefit.effective_date, -30);
      },
    },
    {
      source: 'driver-licence',
      rule: 'LICENCE_CLASS_UNKNOWN',
      events: licences,
      breakEvent: (e: DriverLicenceEvent) => {
        e.licence.licence_class = 'Z9';
      },
    },
    {
      source: 'driver-licence',
      rule: 'LICENCE_NUMBER_FORMAT',
      events: licences,
      breakEvent: (e: DriverLicenceEvent) => {
        e.licence.licence_number = 'GPLX-12';
      },
    },
  ];
  for (const source of ['vaccination', 'social-welfare', 'driver-licence'] as const) {
    const own = breakers.filter((breaker) => breaker.source === source);
    for (let i = 0; i < plan.invalidPerSource; i += 1) {
      const breaker = own[i % own.length]!;
      const victim = breaker.events[breaker.events.length - 1 - i];
      if (!victim) continue;
      (breaker.breakEvent as (event: unknown) => void)(victim);
      truth.about.delete(victim.source_record_id);
      truth.rejected.push({ source, recordId: victim.source_record_id, rule: breaker.rule });
    }
  }

  return { events: { 'civil-status': civil, vaccination: vaccinations, 'social-welfare': welfare, 'driver-licence': licences }, truth };
}
