import { PROVINCES_2008 } from '../normalise/provinces.js';
import type { Sex } from '../schemas/records.js';
import { generatePopulation, isoDate, PersonalIdIssuer, syntheticAddress, syntheticName, type SyntheticCitizen } from './population.js';
import { SeededRandom } from '../random.js';
import { GIVEN_NAMES } from './vietnamese-names.js';
import { dirtyAddress, dirtyDate, dirtyId, dirtyName } from './dirty-values.js';
import { FamilyIndex, hardenRecord, hardenRegister, hardName } from './hard-profile.js';

/** A sectoral record as link-csv reads it (R.csv). */
export interface SyntheticRecord {
  record_id: string;
  source: string;
  personal_id: string;
  full_name: string;
  date_of_birth: string;
  sex: string;
  address: string;
  /** Where the record was made (the office's commune and province), when the generator says. */
  office_area?: string;
}

export interface LinkageSet {
  population: SyntheticCitizen[];
  records: SyntheticRecord[];
  /** record_id → the citizen it is, or null for a person not in the register. */
  truth: Map<string, string | null>;
}

export interface LinkageSetPlan {
  population: number;
  records: number;
  /** Share of records about people not in the register (newborns, people moving in). */
  absentShare: number;
  seed: number;
  /** classic: the benchmarks' sets; hard: the classic dirt and hard-profile.ts's on top. */
  profile?: 'classic' | 'hard';
}

const SOURCES = ['civil-status', 'vaccination', 'social-welfare', 'driver-licence'];
const PROVINCE_CODES = Object.keys(PROVINCES_2008);
/** Twins (same family, birth date and address) and namesakes (same name, year and province): the hard negatives. */
function addHardNegatives(population: SyntheticCitizen[], random: SeededRandom, issuer: PersonalIdIssuer): void {
  const count = Math.floor(population.length * 0.01);
  for (let i = 0; i < count; i += 1) {
    const original = random.pick(population);
    const sex: Sex = random.chance(0.5) ? 'MALE' : 'FEMALE';
    const year = Number(original.date_of_birth.slice(0, 4));
    const province = original.personal_id.slice(0, 3);
    const [family, middle] = original.full_name.split(' ');
    const twin: SyntheticCitizen = {
      ...original,
      sex,
      citizen_id: '',
      personal_id: issuer.issue(province, sex, year),
      full_name: `${family} ${middle} ${random.pick(GIVEN_NAMES[sex])}`,
    };
    twin.citizen_id = twin.personal_id;
    const namesakeId = issuer.issue(province, original.sex, year);
    const namesake: SyntheticCitizen = {
      ...original,
      citizen_id: namesakeId,
      personal_id: namesakeId,
      date_of_birth: isoDate(year, random.int(1, 12), random.int(1, 28)),
      address: syntheticAddress(random, province),
    };
    if (twin.full_name !== original.full_name) population.push(twin);
    if (namesake.date_of_birth !== original.date_of_birth) population.push(namesake);
  }
}

/**
 * A register and sectoral records about its people, dirtied the way real registers are, with
 * the truth kept: lost diacritics, capitals, NFD, other tone-mark style, OCR confusions, Telex
 * residue, typos,
 * dropped middle names, reversed order, Hoàng/Huỳnh and Vũ/Võ, day/month swaps, year-only dates,
 * ID typos and transpositions, IDs missing or landing on another person; twins, namesakes and
 * people who are not in the register. The hard profile adds hard-profile.ts's on top, with a
 * random stream of its own: the classic sets stay what they were.
 */
export function generateLinkageSet(plan: LinkageSetPlan): LinkageSet {
  // Not the population's own stream: with the same seed, people "not in the register" would be copies of registered ones.
  const random = new SeededRandom(plan.seed ^ 0x6a09e667);
  const issuer = new PersonalIdIssuer(new SeededRandom(plan.seed ^ 0x2545f491));
  const population = generatePopulation(plan.population, plan.seed, issuer);
  addHardNegatives(population, random, issuer);
  const hard = plan.profile === 'hard' ? { random: new SeededRandom(plan.seed ^ 0x3c6ef372), families: new FamilyIndex(population) } : null;
  const records: SyntheticRecord[] = [];
  const truth = new Map<string, string | null>();
  for (let i = 0; i < plan.records; i += 1) {
    const absent = random.chance(plan.absentShare);
    let person: SyntheticCitizen;
    if (absent) {
      const sex: Sex = random.chance(0.5) ? 'MALE' : 'FEMALE';
      const year = random.chance(0.5) ? 2026 : random.int(1940, 2020);
      const province = random.pick(PROVINCE_CODES);
      const id = issuer.issue(province, sex, year);
      person = {
        citizen_id: id,
        personal_id: id,
        full_name: syntheticName(random, sex),
        date_of_birth: isoDate(year, random.int(1, 10), random.int(1, 28)),
        sex,
        address: syntheticAddress(random, province),
      };
    } else {
      person = random.pick(population);
    }
    const recordId = `R${plan.seed}-${i}`;
    const record: SyntheticRecord = {
      record_id: recordId,
      source: random.pick(SOURCES),
      personal_id: dirtyId(random, person.personal_id, () => random.pick(population).personal_id),
      full_name: dirtyName(random, hard ? hardName(hard.random, person.full_name) : person.full_name),
      date_of_birth: dirtyDate(random, person.date_of_birth),
      sex: random.chance(0.1) ? '' : random.pick(person.sex === 'MALE' ? ['M', 'Nam', 'male'] : ['F', 'Nữ', 'female']),
      address: dirtyAddress(random, person.address),
    };
    if (hard) hardenRecord(hard.random, person, record, hard.families);
    records.push(record);
    truth.set(recordId, absent ? null : person.citizen_id);
  }
  if (hard) hardenRegister(hard.random, population);
  return { population, records, truth };
}
