import { describe, expect, it, vi } from 'vitest';
import { CompactRegister } from '../../services/shared/linkage/compact-register.js';
import { InMemoryCandidateSource } from '../../services/shared/linkage/in-memory-candidates.js';
import { LiveCandidateSource, type CitizenNow } from '../../services/shared/linkage/live-candidates.js';
import { toMatchRecord, type MatchRecord, type RawPerson } from '../../services/shared/linkage/match-record.js';
import { loadSettings, type BlockingRule } from '../../services/shared/linkage/settings.js';
import { generatePopulation, type SyntheticCitizen } from '../../services/shared/synth/population.js';

const settings = loadSettings();
/** The default rules, their caps replaced by `cap` (a small cap makes generic keys of a small register). */
const rulesCapped = (cap?: number): BlockingRule[] =>
  settings.blocking_rules.map((rule) => (cap === undefined || rule.max_block_size === undefined ? rule : { ...rule, max_block_size: cap }));
const ids = (found: readonly MatchRecord[]): string[] => found.map((c) => c.id).sort();
const person = (c: SyntheticCitizen): RawPerson => ({ ...c, sex: c.sex === 'MALE' ? 'M' : 'F' });
const liveOver = (rules: BlockingRule[], snapshot: MatchRecord[]): LiveCandidateSource => new LiveCandidateSource(rules, CompactRegister.of(snapshot));

/** One digit of an ID changed: a record whose ID nobody holds as typed, so the typo lookups run. */
function mistyped(id: string): string {
  const at = 7;
  return `${id.slice(0, at)}${(Number(id[at]) + 1) % 10}${id.slice(at + 1)}`;
}

/**
 * A register before and after a day of changes, from one synthetic population: corrections that
 * make namesakes and move IDs, citizens gone (merged), new ones (some the same person again).
 */
function registerDay(): { before: MatchRecord[]; after: MatchRecord[]; changes: CitizenNow[]; people: RawPerson[] } {
  const people = generatePopulation(1_500, 71).map(person);
  const before = people.slice(0, 1_200).map((p, i) => toMatchRecord(`C${i}`, p));
  const now = new Map<string, RawPerson | null>(people.slice(0, 1_200).map((p, i) => [`C${i}`, p]));
  const changes = new Map<string, RawPerson | null>();
  for (let i = 0; i < 1_200; i += 7) changes.set(`C${i}`, { ...people[i]!, full_name: people[i + 1]!.full_name, date_of_birth: people[i + 1]!.date_of_birth });
  for (let i = 3; i < 1_200; i += 13) changes.set(`C${i}`, { ...people[i]!, personal_id: mistyped(people[i]!.personal_id!) });
  for (let i = 5; i < 1_200; i += 11) changes.set(`C${i}`, null);
  for (let i = 1_200; i < 1_500; i += 1) changes.set(`N${i}`, i < 1_300 ? { ...people[i - 1_200]!, personal_id: people[i]!.personal_id } : people[i]!);
  for (const [id, p] of changes) now.set(id, p);
  const after = [...now].flatMap(([id, p]) => (p ? [toMatchRecord(id, p)] : []));
  return { before, after, changes: [...changes].map(([id, p]) => [id, p ? toMatchRecord(id, p) : null]), people };
}

/** Records to look up: every person of the day as typed, and with a mistyped ID. */
function recordsOf(people: readonly RawPerson[]): MatchRecord[] {
  return people.flatMap((p, i) => [toMatchRecord(`R${i}`, p), toMatchRecord(`T${i}`, { ...p, personal_id: mistyped(p.personal_id!) })]);
}

describe('candidates held in memory and kept current', () => {
  it('finds, after a day of changes, the candidates an index built over the changed register finds', () => {
    const { before, after, changes, people } = registerDay();
    const rules = rulesCapped();
    const live = liveOver(rules, before);
    live.apply(changes);
    const fresh = new InMemoryCandidateSource(rules, after);
    for (const record of recordsOf(people)) expect(ids(live.candidatesOf(record)), record.id).toEqual(ids(fresh.candidatesOf(record)));
  });

  it('counts the same keys generic and finds the same candidates when caps are small and changed citizens hold capped keys', () => {
    const { before, after, changes, people } = registerDay();
    const rules = rulesCapped(2);
    const live = liveOver(rules, before);
    live.apply(changes);
    const fresh = new InMemoryCandidateSource(rules, after);
    const records = recordsOf(people);
    for (const record of records) expect(ids(live.candidatesOf(record)), record.id).toEqual(ids(fresh.candidatesOf(record)));
    expect(live.genericLookups()).toEqual(fresh.genericLookups());
    expect([...live.genericLookups().values()].some((n) => n > 0)).toBe(true);
  });

  it('finds through typo variants of another feature than the ID those who hold them now, in the snapshot or changed since', () => {
    const [lan, hoa, mai] = generatePopulation(3, 5).map(person) as [RawPerson, RawPerson, RawPerson];
    const born = (p: RawPerson, year: string): RawPerson => ({ ...p, date_of_birth: `${year}-05-01` });
    const rules: BlockingRule[] = [{ name: 'year_typos', equal: ['dob_year'], typo_lookup: 'one_digit_or_swap' }];
    const live = liveOver(rules, [toMatchRecord('LAN', born(lan, '1950')), toMatchRecord('HOA', born(hoa, '1960'))]);
    live.apply([
      ['MAI', toMatchRecord('MAI', born(mai, '1970'))],
      ['HOA', toMatchRecord('HOA', born(hoa, '1980'))],
    ]);
    // Years nobody is born in, each one typo from one year someone is or was.
    const found = (year: string) => ids(live.candidatesOf(toMatchRecord(`R${year}`, born(lan, year))));
    expect(['1951', '1975', '1981', '1967'].map(found)).toEqual([['LAN'], ['MAI'], ['HOA'], []]);
  });

  it('gives each candidate as the register holds her now, not as the snapshot did', () => {
    const { before, after, changes } = registerDay();
    const live = liveOver(rulesCapped(), before);
    live.apply(changes);
    const current = new Map(after.map((c) => [c.id, c]));
    for (const citizen of after) {
      for (const candidate of live.candidatesOf({ ...citizen, id: 'R' })) expect(candidate.features, candidate.id).toEqual(current.get(candidate.id)!.features);
    }
  });

  it('no longer finds a citizen under the name she held in the snapshot once it is corrected', () => {
    const [lan, hoa] = generatePopulation(2, 5).map(person) as [RawPerson, RawPerson];
    const live = liveOver(rulesCapped(), [toMatchRecord('LAN', lan)]);
    live.apply([['LAN', toMatchRecord('LAN', { ...lan, full_name: hoa.full_name, date_of_birth: hoa.date_of_birth, personal_id: null })]]);
    // Records without an address: her address, unchanged, would find her under any name (the household's rule).
    expect(ids(live.candidatesOf(toMatchRecord('R', { ...lan, personal_id: null, address: null })))).toEqual([]);
    expect(ids(live.candidatesOf(toMatchRecord('R', { ...hoa, personal_id: null, address: null })))).toEqual(['LAN']);
  });

  it('finds a citizen gone from the register for no record', () => {
    const [lan] = generatePopulation(1, 5).map(person) as [RawPerson];
    const live = liveOver(rulesCapped(), [toMatchRecord('LAN', lan)]);
    live.apply([['LAN', null]]);
    expect(live.candidatesOf(toMatchRecord('R', lan))).toEqual([]);
  });

  it('answers a citizen changed twice as last given, under none of the keys between', () => {
    const [lan, hoa, mai] = generatePopulation(3, 5).map(person) as [RawPerson, RawPerson, RawPerson];
    const live = liveOver(rulesCapped(), [toMatchRecord('LAN', lan)]);
    live.apply([['LAN', toMatchRecord('LAN', hoa)]]);
    live.apply([['LAN', toMatchRecord('LAN', mai)]]);
    expect(ids(live.candidatesOf(toMatchRecord('R', hoa)))).toEqual([]);
    expect(ids(live.candidatesOf(toMatchRecord('R', mai)))).toEqual(['LAN']);
    expect(live.changedSince).toBe(1);
  });

  it('finds a citizen created since the snapshot through a typo variant of her ID', () => {
    const [lan, hoa] = generatePopulation(2, 5).map(person) as [RawPerson, RawPerson];
    const live = liveOver(rulesCapped(), [toMatchRecord('LAN', lan)]);
    live.apply([['HOA', toMatchRecord('HOA', hoa)]]);
    const record = toMatchRecord('R', { personal_id: mistyped(hoa.personal_id!), full_name: 'Someone Else', date_of_birth: null, sex: null, address: null });
    expect(ids(live.candidatesOf(record))).toEqual(['HOA']);
  });

  it('finds the holders of a capped key again once a citizen among them has left it, and they are no more than the cap', () => {
    const [lan] = generatePopulation(1, 5).map(person) as [RawPerson];
    const namesakes = ['A', 'B', 'C'].map((id, i) => toMatchRecord(id, { ...lan, personal_id: null, address: `Số ${i} Trần Phú, Hà Nội` }));
    const live = liveOver(rulesCapped(2), namesakes);
    const record = toMatchRecord('R', { ...lan, personal_id: null });
    expect(live.candidatesOf(record)).toEqual([]);
    live.apply([['A', null]]);
    expect(ids(live.candidatesOf(record))).toEqual(['B', 'C']);
  });

  it("looks up the typo variants of a record ID that is no one's, as typed it is not looked up", () => {
    const [lan] = generatePopulation(1, 5).map(person) as [RawPerson];
    const live = liveOver(rulesCapped(), []);
    live.apply([['LAN', toMatchRecord('LAN', { ...lan, personal_id: '001090004321' })]]);
    const record = toMatchRecord('R', { personal_id: '101090004321', full_name: 'Someone Else', date_of_birth: null, sex: null, address: null });
    expect(ids(live.candidatesOf(record))).toEqual(['LAN']);
  });

  it("does not bring, through a typo variant, a holder of an ID that is no one's, in the snapshot or changed since", () => {
    const [lan, hoa] = generatePopulation(2, 5).map(person) as [RawPerson, RawPerson];
    // 101… and 201… begin with no province code; 001… is held by nobody, so its variants are looked up.
    const live = liveOver(rulesCapped(), [toMatchRecord('LAN', { ...lan, personal_id: '101090004321' })]);
    live.apply([['HOA', toMatchRecord('HOA', { ...hoa, personal_id: '201090004321' })]]);
    const record = toMatchRecord('R', { personal_id: '001090004321', full_name: 'Someone Else', date_of_birth: null, sex: null, address: null });
    expect(live.candidatesOf(record)).toEqual([]);
  });

  it('finds through a typo variant a snapshot citizen who holds it, and not one who held it before a change', () => {
    const [lan, hoa] = generatePopulation(2, 5).map(person) as [RawPerson, RawPerson];
    const live = liveOver(rulesCapped(), [toMatchRecord('LAN', lan), toMatchRecord('HOA', hoa)]);
    live.apply([['HOA', toMatchRecord('HOA', { ...hoa, personal_id: null })]]);
    const someone = { full_name: 'Someone Else', date_of_birth: null, sex: null, address: null };
    expect(ids(live.candidatesOf(toMatchRecord('R1', { ...someone, personal_id: mistyped(lan.personal_id!) })))).toEqual(['LAN']);
    expect(live.candidatesOf(toMatchRecord('R2', { ...someone, personal_id: mistyped(hoa.personal_id!) }))).toEqual([]);
  });

  it('refuses a snapshot holding a citizen ID twice, whose rows it could not tell apart', () => {
    const [lan, hoa] = generatePopulation(2, 5).map(person) as [RawPerson, RawPerson];
    expect(() => liveOver(rulesCapped(), [toMatchRecord('LAN', lan), toMatchRecord('LAN', hoa)])).toThrow(/citizen ID twice/);
  });

  it('makes a citizen of the snapshot found under several rules into one match record, not one a rule', () => {
    const { before, changes, people } = registerDay();
    const live = liveOver(rulesCapped(), before);
    live.apply(changes);
    // C1 is left unchanged by the day: the record is her as registered, so most rules find her.
    const made = vi.spyOn(CompactRegister.prototype, 'get');
    try {
      const found = live.candidatesOf(toMatchRecord('R1', people[1]!));
      const hers = made.mock.results.filter((result) => (result.value as MatchRecord).id === 'C1');
      expect([ids(found).includes('C1'), hers.length]).toEqual([true, 1]);
    } finally {
      made.mockRestore();
    }
  });
});
