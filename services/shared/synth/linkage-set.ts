import { foldToAscii } from '../normalise/text.js';
import { PROVINCES_2008 } from '../normalise/provinces.js';
import type { Sex } from '../schemas/records.js';
import { generatePopulation, isoDate, PersonalIdIssuer, syntheticAddress, syntheticName, type SyntheticCitizen } from './population.js';
import { SeededRandom } from '../random.js';
import { GIVEN_NAMES } from './vietnamese-names.js';

/** A sectoral record as link-csv reads it (R.csv). */
export interface SyntheticRecord {
  record_id: string;
  source: string;
  personal_id: string;
  full_name: string;
  date_of_birth: string;
  sex: string;
  address: string;
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
}

const SOURCES = ['civil-status', 'vaccination', 'social-welfare', 'driver-licence'];
const PROVINCE_CODES = Object.keys(PROVINCES_2008);
const SURNAME_VARIANTS: Record<string, string> = { Hoàng: 'Huỳnh', Huỳnh: 'Hoàng', Vũ: 'Võ', Võ: 'Vũ' };
const OCR: [RegExp, string][] = [
  [/ễ/g, 'é'],
  [/ư/g, 'u'],
  [/ơ/g, 'o'],
  [/Đ/g, 'D'],
  [/ạ/g, 'a'],
  [/ị/g, 'i'],
];
const TONE_STYLES: [RegExp, string][] = [
  [/òa/g, 'oà'],
  [/óa/g, 'oá'],
  [/ủy/g, 'uỷ'],
  [/ùy/g, 'uỳ'],
  [/oà/g, 'òa'],
  [/uỷ/g, 'ủy'],
];

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

function typo(random: SeededRandom, word: string): string {
  if (word.length < 3) return word;
  const at = random.int(1, word.length - 2);
  const letters = 'aeiounhtgcmlr';
  return random.chance(0.5) ? word.slice(0, at) + word.slice(at + 1) : word.slice(0, at) + letters[random.int(0, letters.length - 1)] + word.slice(at + 1);
}

const TELEX_TONES: Record<string, string> = { '\u0300': 'f', '\u0301': 's', '\u0309': 'r', '\u0303': 'x', '\u0323': 'j' };

/** A word as typed in Telex with the input method off: "Trường" → "Truwowngf". */
function asTelex(word: string): string {
  let tone = '';
  let out = '';
  for (const char of word.normalize('NFD')) {
    if (TELEX_TONES[char]) tone = TELEX_TONES[char]!;
    else if (char === '\u0302') out += out.slice(-1);
    else if (char === '\u0306' || char === '\u031b') out += 'w';
    else if (char === 'đ' || char === 'Đ') out += char === 'Đ' ? 'DD' : 'dd';
    else out += char;
  }
  return out + tone;
}

function dirtyName(random: SeededRandom, name: string): string {
  let words = name.split(' ');
  if (random.chance(0.05) && SURNAME_VARIANTS[words[0]!]) words[0] = SURNAME_VARIANTS[words[0]!]!;
  if (random.chance(0.05) && words.length > 2) words = [words[0]!, words[words.length - 1]!];
  if (random.chance(0.04)) {
    const index = random.int(0, words.length - 1);
    words[index] = typo(random, words[index]!);
  }
  if (random.chance(0.02)) words = [...words.slice(1), words[0]!];
  let text = words.join(' ');
  if (random.chance(0.05)) for (const [from, to] of TONE_STYLES) text = text.replace(from, to);
  if (random.chance(0.03)) for (const [from, to] of OCR) text = text.replace(from, to);
  if (random.chance(0.01)) text = text.split(' ').map(asTelex).join(' ');
  if (random.chance(0.15)) text = foldToAscii(text).replace(/\b\w/g, (c) => c.toUpperCase());
  if (random.chance(0.2)) text = text.toLocaleUpperCase('vi');
  if (random.chance(0.05)) text = text.normalize('NFD');
  return text;
}

function dirtyDate(random: SeededRandom, iso: string): string {
  const [year, month, day] = iso.split('-') as [string, string, string];
  return random.weighted<() => string>([
    [() => iso, 40],
    [() => `${day}/${month}/${year}`, 20],
    [() => `${Number(day)}/${Number(month)}/${year}`, 5],
    [() => `${year}${month}${day}`, 5],
    [() => year, 15],
    [() => `00/00/${year}`, 3],
    [() => (Number(day) <= 12 ? `${year}-${day}-${month}` : iso), 4],
    [() => `${year}-${month}-${String((Number(day) % 28) + 1).padStart(2, '0')}`, 3],
    [() => '', 5],
  ])();
}

function dirtyId(random: SeededRandom, id: string, population: SyntheticCitizen[]): string {
  return random.weighted<() => string>([
    [() => id, 66],
    [() => '', 25],
    [
      () => {
        const at = random.int(6, 11);
        return id.slice(0, at) + String((Number(id[at]) + random.int(1, 9)) % 10) + id.slice(at + 1);
      },
      4,
    ],
    [
      () => {
        const at = random.int(6, 10);
        return id.slice(0, at) + id[at + 1] + id[at] + id.slice(at + 2);
      },
      2,
    ],
    [() => `${id.slice(0, 4)} ${id.slice(4, 8)} ${id.slice(8)}`, 2],
    [() => random.pick(population).personal_id, 1],
  ])();
}

function dirtyAddress(random: SeededRandom, address: string): string {
  return random.weighted<() => string>([
    [() => address, 40],
    [() => '', 30],
    [() => address.replace(/^Số /, '').replace(',', ''), 15],
    [() => foldToAscii(address), 15],
  ])();
}

/**
 * A register and sectoral records about its people, dirtied the way real registers are, with
 * the truth kept: lost diacritics, capitals, NFD, other tone-mark style, OCR confusions, Telex
 * residue, typos,
 * dropped middle names, reversed order, Hoàng/Huỳnh and Vũ/Võ, day/month swaps, year-only dates,
 * ID typos and transpositions, IDs missing or landing on another person; twins, namesakes and
 * people who are not in the register.
 */
export function generateLinkageSet(plan: LinkageSetPlan): LinkageSet {
  // Not the population's own stream: with the same seed, people "not in the register" would be copies of registered ones.
  const random = new SeededRandom(plan.seed ^ 0x6a09e667);
  const issuer = new PersonalIdIssuer(new SeededRandom(plan.seed ^ 0x2545f491));
  const population = generatePopulation(plan.population, plan.seed, issuer);
  addHardNegatives(population, random, issuer);
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
    records.push({
      record_id: recordId,
      source: random.pick(SOURCES),
      personal_id: dirtyId(random, person.personal_id, population),
      full_name: dirtyName(random, person.full_name),
      date_of_birth: dirtyDate(random, person.date_of_birth),
      sex: random.chance(0.1) ? '' : random.pick(person.sex === 'MALE' ? ['M', 'Nam', 'male'] : ['F', 'Nữ', 'female']),
      address: dirtyAddress(random, person.address),
    });
    truth.set(recordId, absent ? null : person.citizen_id);
  }
  return { population, records, truth };
}
