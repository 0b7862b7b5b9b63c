import { idPrefix } from '../normalise/personal-id.js';
import { PROVINCES_2008 } from '../normalise/provinces.js';
import { findProvince } from '../normalise/provinces-2025.js';
import { hashOfText, SeededRandom } from '../random.js';
import type { Sex } from '../schemas/records.js';
import { dirtyAddress, dirtyDate, dirtyId, dirtyName } from './dirty-values.js';
import type { SyntheticRecord } from './linkage-set.js';
import { isoDate, type SyntheticCitizen } from './population.js';
import { COMMUNE_STEMS, FAMILY_NAMES, GIVEN_NAME_SHARES, MIDDLE_NAMES, PROVINCE_WEIGHTS, STREETS } from './vietnamese-names.js';

export interface NationalPlan {
  population: number;
  /** Records about registered people and, `absentShare` of them, about people who are not. */
  records: number;
  absentShare: number;
  seed: number;
}

export type NationalItem = { kind: 'citizen'; citizen: SyntheticCitizen } | { kind: 'record'; record: SyntheticRecord; citizenId: string | null };

const SOURCES = ['civil-status', 'vaccination', 'social-welfare', 'driver-licence'];
const COMMUNES_PER_PROVINCE = 150;
/**
 * Records made away from where their person lives (work, study, treatment elsewhere): the office
 * is then in a province drawn by population. At home, a third are made in another commune of the
 * province (a district hospital, the province's licensing office).
 */
const OFFICE_AWAY_SHARE = 0.1;
const OFFICE_OTHER_COMMUNE_SHARE = 0.3;
const SERIALS = 1_000_000;
/**
 * Serials of one ID prefix are issued with this stride (a permutation of the million), so
 * neighbours in a prefix are not neighbours in number. Its inverse modulo a million is 531,579:
 * a prefix can issue 468,421 numbers before a twin's serial (its sibling's plus one) could be
 * one the stride hands out, several times what one province, sex and birth year hold at 100 M.
 */
const STRIDE = 100_019;
const YEAR_NOW = 2026;
/**
 * The register is a snapshot taken at the end of June of YEAR_NOW: nobody in it, nor any record
 * about a stranger, is born later (ingest dead-letters a date of birth in the future, and a
 * snapshot holding one would be wrong whenever it is used).
 */
const SNAPSHOT_MONTH = 6;
/** Birth decades by share of today's population, roughly as the census pyramid has them. */
const BIRTH_DECADES: readonly (readonly [number, number])[] = [
  [1930, 0.5],
  [1940, 2],
  [1950, 5],
  [1960, 10],
  [1970, 14],
  [1980, 16],
  [1990, 17],
  [2000, 15],
  [2010, 16],
  [2020, 4.5],
];
const CHILDREN: readonly (readonly [number, number])[] = [
  [0, 20],
  [1, 30],
  [2, 35],
  [3, 15],
];

/** The inverse of `a` modulo `m` (extended Euclid): a twin's serial is its sibling's plus one, free as long as no prefix issues this many. */
function inverseModulo(a: number, m: number): number {
  let [r0, r1, t0, t1] = [m, a, 0, 1];
  while (r1 !== 0) {
    const q = Math.floor(r0 / r1);
    [r0, r1, t0, t1] = [r1, r0 - q * r1, t1, t0 - q * t1];
  }
  if (r0 !== 1) throw new Error(`${a} has no inverse modulo ${m}`);
  return ((t0 % m) + m) % m;
}
const STRIDE_INVERSE = inverseModulo(STRIDE, SERIALS);
const PREFIX_CAPACITY = Math.min(STRIDE_INVERSE, SERIALS - STRIDE_INVERSE);

function communeName(province: string, index: number): string {
  const stem = COMMUNE_STEMS[index % COMMUNE_STEMS.length]!;
  const round = Math.floor(index / COMMUNE_STEMS.length);
  const kind = hashOfText(`${province}/${index}/kind`) % 10 < 3 ? 'phường' : 'xã';
  return `${kind} ${stem}${round === 0 ? '' : ` ${['Đông', 'Tây', 'Nam', 'Bắc', 'Thượng', 'Hạ', 'Trung'][round - 1] ?? round}`}`;
}

/** A family name that many households of a commune share (villages of one lineage), else the national shares. */
function familyNameIn(random: SeededRandom, province: string, commune: number): string {
  if (random.chance(0.4)) return FAMILY_NAMES[hashOfText(`${province}/${commune}/family`) % 6]![0];
  return random.weighted(FAMILY_NAMES);
}

/** A province's name since the 2025 merger, from its code. */
function currentProvinceName(province: string): string {
  const name = PROVINCES_2008[province]!;
  return findProvince(name)?.current ?? name;
}

interface Home {
  province: string;
  commune: number;
  address: string;
}

/**
 * A register of any size as a stream of households, and the sector records about its people
 * written as sectors write them. Nothing is held but the household being made and the last
 * thousand citizens: 100 million rows need no more memory than a thousand.
 *
 * What stays realistic as it grows: family, middle and given names by sex at national shares
 * (given names Zipf-distributed), families that share a commune's lineage name, birth years by
 * the census pyramid, provinces by population; twins (2% of births, same sex, consecutive serial
 * numbers); a child's record carrying a parent's ID; people who moved (a record's address in
 * another commune or province); namesakes of a birth year in one commune arise by themselves.
 * IDs are unique without remembering them: each prefix (province, century and sex, year) issues
 * its serials as a permutation of the million from a counter.
 */
export function* nationalRegister(plan: NationalPlan): Generator<NationalItem> {
  const random = new SeededRandom(plan.seed);
  const issued = new Map<string, number>();
  const recent: string[] = [];
  const perCitizen = (plan.records * (1 - plan.absentShare)) / Math.max(1, plan.population);
  const absentPerCitizen = (plan.records * plan.absentShare) / Math.max(1, plan.population);
  let citizens = 0;
  let records = 0;

  const serialFor = (prefix: string): number => {
    const k = issued.get(prefix) ?? 0;
    if (k >= PREFIX_CAPACITY) throw new Error(`ID prefix ${prefix} has issued ${k} numbers, more than the generator can keep unique`);
    issued.set(prefix, k + 1);
    return (hashOfText(prefix) + k * STRIDE) % SERIALS;
  };
  const idOf = (prefix: string, serial: number) => `${prefix}${String(serial).padStart(6, '0')}`;
  const yearOf = () => {
    const decade = random.weighted(BIRTH_DECADES);
    return Math.min(YEAR_NOW, decade + random.int(0, 9));
  };
  const dateIn = (year: number) => isoDate(year, random.int(1, year === YEAR_NOW ? SNAPSHOT_MONTH : 12), random.int(1, 28));
  const homeIn = (province: string): Home => {
    const commune = random.int(0, COMMUNES_PER_PROVINCE - 1);
    const place = random.chance(0.5) ? `thôn ${random.int(1, 12)}` : `đường ${random.pick(STREETS)}`;
    return { province, commune, address: `Số ${random.int(1, 300)}, ${place}, ${communeName(province, commune)}, ${PROVINCES_2008[province]}` };
  };
  const person = (sex: Sex, family: string, year: number, home: Home, birthProvince = home.province): SyntheticCitizen => {
    const id = idOf(idPrefix(birthProvince, sex, year), serialFor(idPrefix(birthProvince, sex, year)));
    return {
      citizen_id: id,
      personal_id: id,
      full_name: `${family} ${random.weighted(MIDDLE_NAMES[sex])} ${random.weighted(GIVEN_NAME_SHARES[sex])}`,
      date_of_birth: dateIn(year),
      sex,
      address: home.address,
    };
  };
  /** People move: a record's address is sometimes a newer one, in the same province or another. */
  const currentHome = (home: Home): Home => {
    if (!random.chance(0.08)) return home;
    return homeIn(random.chance(0.6) ? home.province : random.weighted(PROVINCE_WEIGHTS));
  };
  // Offices are drawn on a stream of their own: every other column is what it was before records named their office.
  const officeRandom = new SeededRandom(plan.seed ^ 0x0ff1ce);
  /** The office that made a record about someone living at `home`, named as offices write it since the 2025 merger. */
  const officeOf = (home: Home): string => {
    const away = officeRandom.chance(OFFICE_AWAY_SHARE);
    const province = away ? officeRandom.weighted(PROVINCE_WEIGHTS) : home.province;
    const commune = away || officeRandom.chance(OFFICE_OTHER_COMMUNE_SHARE) ? officeRandom.int(0, COMMUNES_PER_PROVINCE - 1) : home.commune;
    return `${communeName(province, commune)}, ${currentProvinceName(province)}`;
  };
  const recordOf = (who: SyntheticCitizen, home: Home, relatives: readonly SyntheticCitizen[]): SyntheticRecord => {
    const others = relatives.filter((r) => r.personal_id !== who.personal_id);
    records += 1;
    // Drawn in this order, as before records named their office: the same seed gives the same files.
    const source = random.pick(SOURCES);
    const personalId = dirtyId(random, who.personal_id, () => (others.length > 0 ? random.pick(others).personal_id : random.pick(recent)));
    const fullName = dirtyName(random, who.full_name);
    const dateOfBirth = dirtyDate(random, who.date_of_birth);
    const sex = random.chance(0.1) ? '' : random.pick(who.sex === 'MALE' ? ['M', 'Nam', 'male'] : ['F', 'Nữ', 'female']);
    const current = currentHome(home);
    return {
      record_id: `N${plan.seed}-${records}`,
      source,
      personal_id: personalId,
      full_name: fullName,
      date_of_birth: dateOfBirth,
      sex,
      address: dirtyAddress(random, current.address),
      office_area: officeOf(current),
    };
  };
  const count = (rate: number) => Math.floor(rate) + (random.chance(rate - Math.floor(rate)) ? 1 : 0);

  while (citizens < plan.population) {
    const home = homeIn(random.weighted(PROVINCE_WEIGHTS));
    const household = makeHousehold(home);
    for (const member of household) {
      if (citizens >= plan.population) break;
      citizens += 1;
      recent.push(member.personal_id);
      if (recent.length > 1000) recent.shift();
      yield { kind: 'citizen', citizen: member };
      for (let r = count(perCitizen); r > 0; r -= 1) yield { kind: 'record', record: recordOf(member, home, household), citizenId: member.citizen_id };
      // Someone the register does not hold: a newborn not yet registered, or someone who moved in.
      for (let r = count(absentPerCitizen); r > 0; r -= 1) {
        const sex: Sex = random.chance(0.5) ? 'MALE' : 'FEMALE';
        const stranger = person(sex, familyNameIn(random, home.province, home.commune), random.chance(0.5) ? YEAR_NOW : yearOf(), home);
        yield { kind: 'record', record: recordOf(stranger, home, household), citizenId: null };
      }
    }
  }

  function makeHousehold(home: Home): SyntheticCitizen[] {
    const headSex: Sex = random.chance(0.5) ? 'MALE' : 'FEMALE';
    // A head of household is an adult: drawn again, not clipped, so no birth year piles up at the limit.
    let headYear = yearOf();
    while (headYear > 2004) headYear = yearOf();
    const family = familyNameIn(random, home.province, home.commune);
    const born = () => (random.chance(0.1) ? random.weighted(PROVINCE_WEIGHTS) : home.province);
    const members = [person(headSex, family, headYear, home, born())];
    const married = random.chance(0.7);
    if (married) {
      const near = headYear + random.int(-5, 5);
      const spouseYear = near > 2004 ? headYear - random.int(0, 5) : Math.max(1930, near);
      members.push(person(headSex === 'MALE' ? 'FEMALE' : 'MALE', random.weighted(FAMILY_NAMES), spouseYear, home, born()));
    }
    if (!married) return members;
    // Children carry the father's family name.
    const fatherFamily = headSex === 'MALE' ? family : members[1]!.full_name.split(' ')[0]!;
    for (let c = random.weighted(CHILDREN); c > 0; c -= 1) {
      const year = headYear + random.int(20, 38);
      if (year > YEAR_NOW) break;
      const sex: Sex = random.chance(0.5) ? 'MALE' : 'FEMALE';
      const child = person(sex, fatherFamily, year, home);
      members.push(child);
      if (random.chance(0.02)) members.push(twinOf(child));
    }
    return members;
  }

  function twinOf(child: SyntheticCitizen): SyntheticCitizen {
    const [family, middle] = child.full_name.split(' ');
    const serial = (Number(child.personal_id.slice(6)) + 1) % SERIALS;
    let given = random.weighted(GIVEN_NAME_SHARES[child.sex]);
    while (child.full_name.endsWith(` ${given}`)) given = random.weighted(GIVEN_NAME_SHARES[child.sex]);
    const id = idOf(child.personal_id.slice(0, 6), serial);
    return { ...child, citizen_id: id, personal_id: id, full_name: `${family} ${middle} ${given}` };
  }
}
