import { foldToAscii } from '../normalise/text.js';
import type { VaccinationEvent } from '../schemas/records.js';
import type { SyntheticCitizen } from './population.js';
import { SeededRandom } from '../random.js';

/** The kinds of record a steward has to look at, as real sectors send them. */
export type HardCaseKind = 'contradicted-id' | 'namesake' | 'registered-twice';

export interface HardCases {
  /** Citizens to add to the register: namesakes, and second registrations of one person. */
  register: SyntheticCitizen[];
  vaccinations: VaccinationEvent[];
  /** Each vaccination's record id: what kind of hard case it is, and who it is really about. */
  records: Map<string, { kind: HardCaseKind; citizenId: string }>;
  /** Pairs of register citizens that are one person: [first registration, second]. */
  registeredTwice: [string, string][];
}

/** Mistypes the last digit of an ID (another structurally valid ID). */
function mistyped(personalId: string): string {
  return `${personalId.slice(0, 11)}${(Number(personalId[11]) + 1) % 10}`;
}

function vaccination(
  recordId: string,
  person: { personal_id: string | null; full_name: string; date_of_birth: string; sex: 'MALE' | 'FEMALE'; address: string | null },
  now: Date,
): VaccinationEvent {
  const day = now.toISOString().slice(0, 10);
  return {
    source_system: 'tiemchung-synthetic',
    source_record_id: recordId,
    change_type: 'CREATE',
    event_type: 'VACCINATION',
    event_time: now.getTime() - 3_600_000,
    person: {
      personal_id: person.personal_id,
      full_name: person.full_name,
      date_of_birth: person.date_of_birth,
      sex: person.sex === 'MALE' ? 'Nam' : 'Nữ',
      address: person.address,
    },
    vaccination: { vaccine_code: 'INFLUENZA', vaccine_name: null, dose_number: 1, date_administered: day, facility: 'Trạm y tế xã', lot_number: 'L2026' },
  };
}

const familyName = (person: SyntheticCitizen) => foldToAscii(person.full_name).split(' ')[0];

/**
 * The citizen at `start`, or the next one of another family name than `person`'s: an ID of one's
 * own family and another generation is a guardian's ID (the linkage settings' guardian_id), not a
 * contradicted one. Walked, not drawn, so the cases after it are drawn as before.
 */
function ownerOfAnotherFamily(population: SyntheticCitizen[], start: number, person: SyntheticCitizen): SyntheticCitizen {
  for (let k = 0; k < population.length; k += 1) {
    const owner = population[(start + k) % population.length]!;
    if (familyName(owner) !== familyName(person)) return owner;
  }
  return population[start]!;
}

/**
 * Records the linker should not decide alone, and register duplicates the scan should find,
 * in equal numbers of each kind:
 * - contradicted-id: a person's vaccination carrying another family's citizen's ID (a typing slip), the birth year only, no address;
 * - namesake: a vaccination with no ID and no address of one of two citizens with the same name, sex and birth date;
 * - registered-twice: a citizen registered a second time (ID mistyped, name without diacritics).
 * Only invented people; reproducible from the seed.
 */
export function generateHardCases(population: SyntheticCitizen[], perKind: number, seed: number, now = new Date()): HardCases {
  const random = new SeededRandom(seed);
  const taken = new Set(population.map((c) => c.personal_id));
  const people = population.filter((_, i) => i % 7 === 3);
  const cases: HardCases = { register: [], vaccinations: [], records: new Map(), registeredTwice: [] };
  let next = 0;
  const person = () => {
    const chosen = people[next++ % people.length];
    if (!chosen) throw new Error('the population is too small for the hard cases');
    return chosen;
  };
  const freshId = (id: string) => {
    let candidate = mistyped(id);
    while (taken.has(candidate)) candidate = mistyped(candidate);
    taken.add(candidate);
    return candidate;
  };
  // Another person born in the same province and year: the same first six digits, the rest unrelated.
  const unrelatedId = (id: string) => {
    let candidate = id;
    while (taken.has(candidate)) candidate = `${id.slice(0, 6)}${String(random.int(0, 999_999)).padStart(6, '0')}`;
    taken.add(candidate);
    return candidate;
  };
  for (let i = 0; i < perKind; i += 1) {
    const p = person();
    const owner = ownerOfAnotherFamily(population, random.int(0, population.length - 1), p);
    const contradictedId = owner.citizen_id === p.citizen_id ? freshId(p.personal_id) : owner.personal_id;
    cases.vaccinations.push(
      vaccination(`HARD-ID-${seed}-${i}`, { ...p, personal_id: contradictedId, date_of_birth: p.date_of_birth.slice(0, 4), address: null }, now),
    );
    cases.records.set(`HARD-ID-${seed}-${i}`, { kind: 'contradicted-id', citizenId: p.citizen_id });

    const q = person();
    const namesakeId = unrelatedId(q.personal_id);
    cases.register.push({ ...q, citizen_id: namesakeId, personal_id: namesakeId, address: `Số ${random.int(301, 600)} ${q.address.replace(/^Số \d+ /, '')}` });
    cases.vaccinations.push(vaccination(`HARD-NAMESAKE-${seed}-${i}`, { ...q, personal_id: null, address: null }, now));
    cases.records.set(`HARD-NAMESAKE-${seed}-${i}`, { kind: 'namesake', citizenId: q.citizen_id });

    const s = person();
    const secondId = freshId(s.personal_id);
    cases.register.push({ ...s, citizen_id: secondId, personal_id: secondId, full_name: foldToAscii(s.full_name) });
    cases.registeredTwice.push([s.citizen_id, secondId]);
  }
  return cases;
}
