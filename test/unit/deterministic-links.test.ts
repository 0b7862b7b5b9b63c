import { describe, expect, it } from 'vitest';
import { inMemoryLinkage } from '../../services/shared/linkage/batch-linkage.js';
import { CompactRegister } from '../../services/shared/linkage/compact-register.js';
import { nearKeys } from '../../services/shared/linkage/blocking.js';
import { explainDecision } from '../../services/shared/linkage/decision-summaries.js';
import { DETERMINISTIC_RULE } from '../../services/shared/linkage/engine.js';
import { LiveCandidateSource } from '../../services/shared/linkage/live-candidates.js';
import { toMatchRecord, type MatchRecord, type RawPerson } from '../../services/shared/linkage/match-record.js';
import { loadSettings, parseSettings, type LinkageSettings } from '../../services/shared/linkage/settings.js';
import { indexedReachSettings } from '../../services/shared/store/plan/reexamination.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { generateLinkageSet } from '../../services/shared/synth/linkage-set.js';

const settings = loadSettings();
const background = generatePopulation(2000, 41).map((c) => toMatchRecord(c.citizen_id, c));

/** Invented twin sisters: consecutive IDs, one birthday, one address, given names a letter apart. */
const ANH: RawPerson = {
  personal_id: '001326302542',
  full_name: 'Nguyễn Thị Anh',
  date_of_birth: '2026-05-25',
  sex: 'F',
  address: 'Số 186, thôn 8, xã Thanh Xuân Tây, Hà Nội',
};
const OANH: RawPerson = { ...ANH, personal_id: '001326302543', full_name: 'Nguyễn Thị Oanh' };

function withoutDeterministicLinks(from: LinkageSettings): LinkageSettings {
  const { deterministic_links: _dropped, ...rest } = from;
  return parseSettings(rest);
}

function decide(register: RawPerson[], record: RawPerson, using: LinkageSettings = settings) {
  const citizens = [...background, ...register.map((person, i) => toMatchRecord(`C${i}`, person))];
  const { engine, source } = inMemoryLinkage(using, citizens);
  const match = toMatchRecord('R1', record);
  return engine.decide(match, source.candidatesOf(match));
}

const NAMESAKE: RawPerson = { ...ANH, personal_id: '001326777001', address: 'Số 9, thôn 2, xã Thanh Xuân Tây, Hà Nội' };

describe('deterministic links', () => {
  it("link a record to its ID's holder who agrees on name, date of birth and sex, a namesake born the same day unweighed", () => {
    const decision = decide([ANH, NAMESAKE], ANH);
    expect(decision).toMatchObject({ decision: 'LINK', citizenId: 'C0', reason: DETERMINISTIC_RULE });
    expect(decision.candidates.map((c) => c.citizen_id)).toEqual(['C0']);
  });

  it("weigh the holder's twin, whose ID is the next number, before settling: a twin scoring close sends the record to a steward", () => {
    const decision = decide([ANH, OANH], ANH);
    expect(decision).toMatchObject({ decision: 'REVIEW', reason: 'AMBIGUOUS' });
    expect(decision).toEqual(decide([ANH, OANH], ANH, withoutDeterministicLinks(settings)));
  });

  it("do not link a twin's record carrying her sister's ID when their names differ only by a tone mark", () => {
    const ANH_WITH_TONE: RawPerson = { ...OANH, full_name: 'Nguyễn Thị Ánh' };
    const decision = decide([ANH, ANH_WITH_TONE], { ...ANH_WITH_TONE, personal_id: ANH.personal_id });
    expect(decision).toMatchObject({ decision: 'REVIEW', reason: 'AMBIGUOUS' });
  });

  it("settle nothing when the ID's holder has another given name: the record is weighed against every candidate", () => {
    const decision = decide([ANH, NAMESAKE], { ...ANH, full_name: 'Nguyễn Thị Oanh' });
    expect(decision.reason).not.toBe(DETERMINISTIC_RULE);
  });

  it('settle nothing when two candidates meet the rule (one person registered twice under one ID)', () => {
    const decision = decide([ANH, { ...ANH, address: 'Số 3 Lê Lợi, Hà Nội' }], ANH);
    expect(decision).toMatchObject({ decision: 'LINK', citizenId: 'C0', reason: 'MATCH' });
    expect(decision.candidates.map((c) => c.citizen_id).sort()).toEqual(['C0', 'C1']);
  });

  it('settle nothing when the candidate that meets the rule would not be linked weighed alone', () => {
    // A rule on the ID alone: the holder's name and date contradict it, so the engine alone would send it to a steward.
    const idOnly = parseSettings({ ...settings, deterministic_links: [{ ...settings.deterministic_links![0]!, levels: { personal_id: ['exact'] } }] });
    const decision = decide([ANH], { ...ANH, full_name: 'Trần Văn Bảo', date_of_birth: '1961-02-03', sex: 'M' }, idOnly);
    expect(decision).toMatchObject({ decision: 'REVIEW', reason: 'PID_CONTRADICTED' });
  });

  it("are explained on demand with the rule's sentence, as links carry no explanation on the wire", () => {
    const explanation = explainDecision(settings, decide([ANH, NAMESAKE], ANH));
    expect(explanation?.summary).toContain(settings.deterministic_links![0]!.sentence);
    expect(explanation?.summary).toContain('deterministic_links');
  });

  it('are left out with their blocking rule where the register has no keys for it (the reach of a change weighs without it)', () => {
    // The ID's rule renamed by a promotion: the stored keys are still under the old name.
    const renamed = parseSettings({
      ...settings,
      blocking_rules: settings.blocking_rules.map((rule) => (rule.name === 'personal_id' ? { ...rule, name: 'pid' } : rule)),
      deterministic_links: settings.deterministic_links!.map((link) => ({ ...link, blocking_rule: 'pid' })),
    });
    const { settings: reach, notIndexed } = indexedReachSettings(renamed, settings);
    expect(notIndexed).toEqual(['pid']);
    expect(reach.deterministic_links).toEqual([]);
    expect(parseSettings(reach).blocking_rules.map((rule) => rule.name)).not.toContain('pid');
  });

  it('are refused, every problem named, when they name an unknown blocking rule, comparison or level', () => {
    const wrong = {
      ...settings,
      deterministic_links: [{ name: 'x', blocking_rule: 'nope', levels: { full_name: ['same'], height: ['exact'] }, sentence: 's' }],
    };
    expect(() => parseSettings(wrong)).toThrow(/unknown blocking rule nope.*unknown level same of comparison full_name.*unknown comparison height/s);
  });

  it('are refused on a blocking rule whose filter or cap would leave a holder to the second step', () => {
    const capped = { ...settings, deterministic_links: [{ ...settings.deterministic_links![0]!, blocking_rule: 'dob_family' }] };
    expect(() => parseSettings(capped)).toThrow(/deterministic link id_holder_agrees needs blocking rule dob_family without filter and max_block_size/);
  });
});

describe('near keys', () => {
  const rule = settings.blocking_rules.find((r) => r.name === 'personal_id')!;
  const record = (personal_id: string) => toMatchRecord('R', { ...ANH, personal_id });

  it('are the numbers within near_lookup of the ID, its leading zeros kept', () => {
    expect(nearKeys(rule, record('001326302542'))).toEqual(['001326302541', '001326302543', '001326302540', '001326302544']);
  });

  it("are none past the ID's length nor for an ID no one holds (a placeholder)", () => {
    expect(nearKeys({ ...rule, held_ids_only: false }, record('999999999999'))).toEqual(['999999999998', '999999999997']);
    expect(nearKeys(rule, record('000000000000'))).toEqual([]);
  });

  it("bring the holder's twin into a record's candidates, which the name and date blocks may not reach", () => {
    const citizens = [toMatchRecord('C0', ANH), toMatchRecord('C1', { ...OANH, full_name: 'Lê Văn Bình', date_of_birth: '1990-01-01' })];
    const { source } = inMemoryLinkage(settings, citizens);
    expect(
      source
        .candidatesOf(toMatchRecord('R', ANH))
        .map((c) => c.id)
        .sort(),
    ).toEqual(['C0', 'C1']);
  });
});

describe('a lookup in two steps', () => {
  const set = generateLinkageSet({ population: 3_000, records: 600, absentShare: 0.1, seed: 23 });
  const register = set.population.map((citizen) => toMatchRecord(citizen.citizen_id, citizen));
  const records = set.records.map((record) => toMatchRecord(record.record_id, record));
  const { engine, source } = inMemoryLinkage(settings, register);
  const firstLookup = engine.firstLookup()!;
  const ids = (candidates: readonly MatchRecord[]) => candidates.map((c) => c.id).sort();

  it('gives a record its first candidates settle only those, and any other every candidate of a lookup in one step', () => {
    let settled = 0;
    for (const record of records) {
      const inOne = source.candidatesOf(record);
      const inTwo = source.candidatesOf(record, firstLookup);
      const first = source.candidatesOf(record, { first: firstLookup.first, settles: () => true });
      if (firstLookup.settles(record, first)) {
        settled += 1;
        expect(ids(inTwo)).toEqual(ids(first));
      } else expect(ids(inTwo)).toEqual(ids(inOne));
    }
    expect(settled).toBeGreaterThan(records.length / 10);
  });

  it('gives the same answers from the copy of the register kept current in memory', () => {
    const live = new LiveCandidateSource(settings.blocking_rules, CompactRegister.of(register));
    for (const record of records) expect(ids(live.candidatesOf(record, firstLookup))).toEqual(ids(source.candidatesOf(record, firstLookup)));
  });

  it('decides every record as it is decided on all its candidates', async () => {
    const inSteps = await engine.decideAll(records, source);
    const onAll = records.map((record) => engine.decide(record, source.candidatesOf(record)));
    expect(inSteps.filter((d) => d.reason === DETERMINISTIC_RULE).length).toBeGreaterThan(records.length / 10);
    expect(inSteps).toEqual(onAll);
  });

  it('answers a settled record with its holder alone, where a lookup in one step finds namesakes too', () => {
    const first = (record: MatchRecord) => source.candidatesOf(record, { first: firstLookup.first, settles: () => true });
    const record = records.find((r) => firstLookup.settles(r, first(r)) && source.candidatesOf(r).length > 1)!;
    expect(source.candidatesOf(record, firstLookup).map((c) => c.features.personal_id)).toEqual([record.features.personal_id]);
  });
});
