import { describe, expect, it } from 'vitest';
import { ageBandOf, dayInVietnam, dayNumber, isDay } from '../../services/shared/linkage/age-prior.js';
import { CompactRegister } from '../../services/shared/linkage/compact-register.js';
import { LinkageEngine } from '../../services/shared/linkage/engine.js';
import { inMemoryLinkage } from '../../services/shared/linkage/batch-linkage.js';
import { estimateParameters } from '../../services/shared/linkage/estimate.js';
import { toMatchRecord, type RawPerson } from '../../services/shared/linkage/match-record.js';
import { log2Odds } from '../../services/shared/linkage/scoring.js';
import { priorBandOf } from '../../services/shared/review/case-rescore.js';
import { loadSettings, settingsSchema, tfFeatures, type AgeBand, type LinkageSettings } from '../../services/shared/linkage/settings.js';
import { TermFrequencies } from '../../services/shared/linkage/term-frequencies.js';
import { generatePopulation } from '../../services/shared/synth/population.js';

const infants: AgeBand[] = [{ name: 'infants', under_days: 365, probability_record_in_register: 0.1 }];
const asOf = dayNumber('2026-06-28');
const bornOn = (date_of_birth: string) => toMatchRecord('R1', { full_name: 'Nguyễn Ngọc Lụa', date_of_birth });

describe('the age band of a record', () => {
  it('puts a record born months before the reference day in the infants band', () => {
    expect(ageBandOf(infants, bornOn('2026-02-16'), asOf)).toBe(0);
  });

  it('leaves a record born over a year before the reference day out of every band', () => {
    expect(ageBandOf(infants, bornOn('2025-06-27'), asOf)).toBe(-1);
  });

  it('counts a year alone from its first day, so a year that may be older than the band is left out', () => {
    expect([ageBandOf(infants, bornOn('2026'), asOf), ageBandOf(infants, bornOn('2025'), asOf)]).toEqual([0, -1]);
  });

  it('puts a record born after the reference day in the youngest band', () => {
    expect(ageBandOf(infants, bornOn('2026-09-01'), asOf)).toBe(0);
  });

  it('puts no record in a band without a reference day or a date of birth', () => {
    expect([ageBandOf(infants, bornOn('2026-02-16'), null), ageBandOf(infants, bornOn(''), asOf)]).toEqual([-1, -1]);
  });
});

describe('the settings of age bands', () => {
  it('refuses bands that do not go from the youngest up', () => {
    const older: AgeBand = { name: 'toddlers', under_days: 1000, probability_record_in_register: 0.5 };
    const result = settingsSchema.safeParse({ ...loadSettings(), prior_by_age: [older, infants[0]] });
    expect(result.success ? [] : result.error.issues.map((issue) => issue.message)).toEqual([
      'prior_by_age band infants must be older than toddlers: bands go from the youngest up',
    ]);
  });
});

// A register of adults and one registered infant; a vaccination record of another infant, not
// registered, carries the registered one's name and date of birth, and nothing else. The
// register's term frequencies are counted as in a national register of 100 million, where such
// a pair is no longer decisive on name and date alone.
const register = generatePopulation(2000, 99)
  .filter((person) => person.date_of_birth < '2020')
  .map((c) => toMatchRecord(c.citizen_id, c));
const infant: RawPerson = { full_name: 'Đặng Ngọc Hương', date_of_birth: '2026-06-18', sex: 'F', address: 'Số 91, thôn 1, xã Hiệp Phước Đông, Lạng Sơn' };
const namesake: RawPerson = { full_name: 'Đặng Ngọc Hương', date_of_birth: '2026-06-18', sex: 'F' };
const NATIONAL = 100_000_000;

function nationalEngine(settings: LinkageSettings, asOf: string | null = '2026-12-04') {
  const { source } = inMemoryLinkage(settings, [...register, toMatchRecord('C-infant', infant)]);
  const counts = TermFrequencies.fromRegister(CompactRegister.of([...register, toMatchRecord('C-infant', infant)]), tfFeatures(settings)).countsByFeature();
  return { engine: new LinkageEngine(settings, TermFrequencies.fromCounts(NATIONAL, counts), { asOf }), source };
}

function decideNamesake(settings: LinkageSettings, asOf?: string | null) {
  const { engine, source } = nationalEngine(settings, asOf);
  const record = toMatchRecord('R1', namesake);
  return engine.decide(record, source.candidatesOf(record));
}

describe("an infant's record against the register's infant namesake", () => {
  const settings = loadSettings();
  const withBand = (probability: number): LinkageSettings => ({ ...settings, prior_by_age: [{ ...infants[0]!, probability_record_in_register: probability }] });

  it('is linked when infants are as often registered as anyone', () => {
    const decision = decideNamesake(withBand(settings.probability_record_in_register));
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C-infant']);
  });

  it('is not linked when few infants’ records are about registered infants', () => {
    expect(decideNamesake(withBand(0.1)).decision).toBe('REVIEW');
  });

  it('is linked as before when no reference day is given, no record being in a band then', () => {
    expect(decideNamesake(withBand(0.1), null).decision).toBe('LINK');
  });

  it('is scored from the band’s prior, kept in its evidence so that its explanation can be rebuilt', () => {
    expect(decideNamesake(withBand(0.1)).evidence?.prior).toBeCloseTo(log2Odds(0.1 / NATIONAL), 9);
  });

  it('keeps the global prior for an adult’s record', () => {
    const { engine, source } = nationalEngine(withBand(0.1));
    const adult = register[0]!;
    expect(engine.decide(adult, source.candidatesOf(adult)).evidence?.prior).toBe(engine.scorer.priorWeight);
  });
});

describe('the reference day', () => {
  it('is the day in Vietnam, seven hours ahead of UTC', () => {
    expect([dayInVietnam(new Date('2026-12-04T16:59:59Z')), dayInVietnam(new Date('2026-12-04T17:00:00Z'))]).toEqual(['2026-12-04', '2026-12-05']);
  });

  it('is refused on a command line unless it is a real day', () => {
    expect(['2026-12-04', '2026-02-30', '04/12/2026', '2026-12-4'].map(isDay)).toEqual([true, false, false, false]);
  });
});

describe("the estimation of an age band's prior", () => {
  // Every adult's record is about a registered adult; of twenty infants' records, two are.
  const population = generatePopulation(3000, 5);
  const adults = population.filter((person) => person.date_of_birth < '2020');
  const newborns = Array.from({ length: 200 }, (_, i) => ({
    full_name: `Lê Thị Bé ${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`,
    date_of_birth: `2026-0${1 + (i % 6)}-${String(10 + (i % 18)).padStart(2, '0')}`,
    sex: 'F',
    address: `Số ${i + 1}, đường Lê Lợi, phường Bến Thành, Hồ Chí Minh`,
  }));
  const registered = [...adults.map((c) => toMatchRecord(c.citizen_id, c)), ...newborns.slice(0, 20).map((p, i) => toMatchRecord(`B${i}`, p))];
  const records = [...adults.slice(0, 1000).map((c, i) => toMatchRecord(`A${i}`, c)), ...newborns.map((p, i) => toMatchRecord(`N${i}`, p))];

  it('gives a band whose records are rarely registered a prior far below the global one', () => {
    const estimated = estimateParameters(loadSettings(), registered, records, { asOf: '2026-12-04' }).settings;
    expect(estimated.prior_by_age[0]!.probability_record_in_register).toBeLessThan(estimated.probability_record_in_register / 2);
  });
});

describe("the band a case page names for the record's starting point", () => {
  const settings = { ...loadSettings(), prior_by_age: infants, probability_record_in_register: 0.9 };

  it('is the infants band, with the settings’ own prior beside it, for a record of a child months old on the day the case was opened', () => {
    expect(priorBandOf(settings, bornOn('2026-03-01'), '2026-06-28')).toEqual({ band: infants[0], global_probability: 0.9 });
  });

  it('is none for the same record on a case opened after the child turned one', () => {
    expect(priorBandOf(settings, bornOn('2026-03-01'), '2027-03-02')).toBeNull();
  });

  it('is none for a record without a date of birth', () => {
    expect(priorBandOf(settings, toMatchRecord('R1', { full_name: 'Nguyễn Ngọc Lụa' }), '2026-06-28')).toBeNull();
  });
});
