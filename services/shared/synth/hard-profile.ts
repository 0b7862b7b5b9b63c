import type { SeededRandom } from '../random.js';
import { syntheticAddress, type SyntheticCitizen } from './population.js';

/**
 * The harder profile (issue 15): what independent sets held where recall fell to 0.97. More
 * records without an ID, people who moved to another address of their province, year-only
 * dates of birth in the register itself for the elderly, names written given name first, with
 * the middle name dropped or a typo in the given name's first letter, and a parent's ID on a
 * child's record. Applied with its own random stream, on top of the classic dirt.
 */
export const HARD_PROFILE = {
  /** Registered people born before this year whose register date of birth is the year only. */
  elderlyBefore: 1960,
  elderlyYearOnlyInRegister: 0.4,
  /** Of the records that would carry an ID, the share that carry none. */
  idDropped: 0.2,
  moved: 0.1,
  givenNameFirst: 0.04,
  middleDropped: 0.06,
  givenFirstLetterTypo: 0.03,
  middleTypo: 0.03,
  /** Records of the elderly dated by the year only. */
  elderlyYearOnlyInRecord: 0.2,
  /** Records of children (born 2000 or later) that carry a parent's ID, when one is in the register. */
  childrenBornFrom: 2000,
  parentId: 0.15,
} as const;

const CONSONANTS = 'bcdghklmnpqrstvx';

function yearOf(person: SyntheticCitizen): number {
  return Number(person.date_of_birth.slice(0, 4));
}

/** The same word with another first letter (a consonant for a consonant, or the first letter dropped). */
function firstLetterTypo(random: SeededRandom, word: string): string {
  if (word.length < 3) return word;
  if (random.chance(0.3)) return word.slice(1);
  const first = word[0]!;
  let replacement = first;
  while (replacement.toLowerCase() === first.toLowerCase()) replacement = CONSONANTS[random.int(0, CONSONANTS.length - 1)]!;
  return (first === first.toUpperCase() ? replacement.toUpperCase() : replacement) + word.slice(1);
}

function middleTypo(random: SeededRandom, word: string): string {
  if (word.length < 3) return word;
  const at = random.int(1, word.length - 1);
  return random.chance(0.5) ? word.slice(0, at) + word.slice(at + 1) : word.slice(0, at) + 'aeiounh'[random.int(0, 6)]! + word.slice(at + 1);
}

/** The name as the sector received it, before the classic dirt: given name first, middle dropped, typos. */
export function hardName(random: SeededRandom, name: string): string {
  let words = name.split(' ');
  if (words.length > 2 && random.chance(HARD_PROFILE.middleDropped)) words = [words[0]!, words[words.length - 1]!];
  if (random.chance(HARD_PROFILE.givenFirstLetterTypo)) words[words.length - 1] = firstLetterTypo(random, words[words.length - 1]!);
  if (words.length > 2 && random.chance(HARD_PROFILE.middleTypo)) words[1] = middleTypo(random, words[1]!);
  if (words.length > 1 && random.chance(HARD_PROFILE.givenNameFirst)) words = [words[words.length - 1]!, ...words.slice(0, -1)];
  return words.join(' ');
}

/** Registered people by family name, to find a parent's ID for a child's record. */
export class FamilyIndex {
  private readonly byFamily = new Map<string, SyntheticCitizen[]>();

  constructor(population: readonly SyntheticCitizen[]) {
    for (const citizen of population) {
      const family = citizen.full_name.split(' ')[0]!;
      const members = this.byFamily.get(family) ?? [];
      members.push(citizen);
      this.byFamily.set(family, members);
    }
  }

  /** A registered person of the child's family name born 20 to 40 years earlier, or null after a few tries. */
  parentOf(random: SeededRandom, child: SyntheticCitizen): SyntheticCitizen | null {
    const members = this.byFamily.get(child.full_name.split(' ')[0]!) ?? [];
    for (let attempt = 0; attempt < 30 && members.length > 0; attempt += 1) {
      const candidate = random.pick(members);
      const gap = yearOf(child) - yearOf(candidate);
      if (gap >= 20 && gap <= 40) return candidate;
    }
    return null;
  }
}

/** The record's ID, date and address hardened: ID dropped or a parent's, elderly dated by year, moved. */
export function hardenRecord(
  random: SeededRandom,
  person: SyntheticCitizen,
  record: { personal_id: string; date_of_birth: string; address: string },
  families: FamilyIndex,
): void {
  const year = yearOf(person);
  if (record.personal_id !== '' && random.chance(HARD_PROFILE.idDropped)) record.personal_id = '';
  if (record.personal_id !== '' && year >= HARD_PROFILE.childrenBornFrom && random.chance(HARD_PROFILE.parentId)) {
    const parent = families.parentOf(random, person);
    if (parent) record.personal_id = parent.personal_id;
  }
  if (year < HARD_PROFILE.elderlyBefore && record.date_of_birth !== '' && random.chance(HARD_PROFILE.elderlyYearOnlyInRecord)) {
    record.date_of_birth = random.chance(0.5) ? `00/00/${year}` : String(year);
  }
  if (record.address !== '' && random.chance(HARD_PROFILE.moved)) record.address = syntheticAddress(random, person.personal_id.slice(0, 3));
}

/** The register as it is kept: the elderly often with the year of birth only (00/00/yyyy). */
export function hardenRegister(random: SeededRandom, population: SyntheticCitizen[]): void {
  for (const citizen of population) {
    if (yearOf(citizen) < HARD_PROFILE.elderlyBefore && random.chance(HARD_PROFILE.elderlyYearOnlyInRegister)) {
      citizen.date_of_birth = `00/00/${yearOf(citizen)}`;
    }
  }
}
