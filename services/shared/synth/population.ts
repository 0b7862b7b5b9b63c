import { idPrefix } from '../normalise/personal-id.js';
import { PROVINCES_2008 } from '../normalise/provinces.js';
import type { Sex } from '../schemas/records.js';
import { SeededRandom } from '../random.js';
import { FAMILY_NAMES, GIVEN_NAMES, MIDDLE_NAMES, STREETS } from './vietnamese-names.js';

/** A synthetic citizen as a register snapshot row (load-population's CSV columns). */
export interface SyntheticCitizen {
  citizen_id: string;
  personal_id: string;
  full_name: string;
  date_of_birth: string;
  sex: Sex;
  address: string;
}

const PROVINCE_CODES = Object.keys(PROVINCES_2008);

/** Hands out personal IDs that are structurally right (province, century/sex, year) and unique. */
export class PersonalIdIssuer {
  private readonly used = new Set<string>();

  constructor(private readonly random: SeededRandom) {}

  issue(provinceCode: string, sex: Sex, birthYear: number): string {
    for (;;) {
      const id = `${idPrefix(provinceCode, sex, birthYear)}${String(this.random.int(0, 999_999)).padStart(6, '0')}`;
      if (!this.used.has(id)) {
        this.used.add(id);
        return id;
      }
    }
  }

  reserve(id: string): void {
    this.used.add(id);
  }
}

export function syntheticName(random: SeededRandom, sex: Sex, family?: string): string {
  const middle = random.weighted(MIDDLE_NAMES[sex]);
  const given = random.pick(GIVEN_NAMES[sex]);
  return `${family ?? random.weighted(FAMILY_NAMES)} ${middle} ${given}`;
}

export function syntheticAddress(random: SeededRandom, provinceCode: string): string {
  return `Số ${random.int(1, 300)} ${random.pick(STREETS)}, ${PROVINCES_2008[provinceCode]}`;
}

export function isoDate(year: number, month: number, day: number): string {
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** A synthetic register snapshot: only invented people, reproducible from the seed. */
export function generatePopulation(count: number, seed: number, issuer = new PersonalIdIssuer(new SeededRandom(seed ^ 0x9e3779b9))): SyntheticCitizen[] {
  const random = new SeededRandom(seed);
  const citizens: SyntheticCitizen[] = [];
  for (let i = 0; i < count; i += 1) {
    const sex: Sex = random.chance(0.5) ? 'MALE' : 'FEMALE';
    const year = random.int(1930, 2020);
    const province = random.pick(PROVINCE_CODES);
    const personalId = issuer.issue(province, sex, year);
    citizens.push({
      citizen_id: personalId,
      personal_id: personalId,
      full_name: syntheticName(random, sex),
      date_of_birth: isoDate(year, random.int(1, 12), random.int(1, 28)),
      sex,
      address: syntheticAddress(random, province),
    });
  }
  return citizens;
}

/** A CSV line of values, quoted where they need it. */
export function csvLine(values: readonly string[]): string {
  return values.map((value) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value)).join(',');
}

export const POPULATION_CSV_HEADER = 'citizen_id,full_name,date_of_birth,sex,address,personal_id';

export function citizenCsvLine(c: SyntheticCitizen): string {
  return csvLine([c.citizen_id, c.full_name, c.date_of_birth, c.sex, c.address, c.personal_id]);
}

export function populationCsv(citizens: SyntheticCitizen[]): string {
  return `${[POPULATION_CSV_HEADER, ...citizens.map(citizenCsvLine)].join('\n')}\n`;
}
