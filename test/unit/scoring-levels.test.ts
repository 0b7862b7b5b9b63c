import { describe, expect, it } from 'vitest';
import { inMemoryLinkage } from '../../services/shared/linkage/batch-linkage.js';
import { toMatchRecord } from '../../services/shared/linkage/match-record.js';
import { sameLevels } from '../../services/shared/linkage/scoring.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { generateLinkageSet } from '../../services/shared/synth/linkage-set.js';

const settings = loadSettings();
const set = generateLinkageSet({ population: 3000, records: 300, absentShare: 0.1, seed: 12 });
const { engine, source } = inMemoryLinkage(
  settings,
  set.population.map((c) => toMatchRecord(c.citizen_id, c)),
);
const records = set.records.map((r) => toMatchRecord(r.record_id, r));

describe('scoring in two steps: the levels a pair reaches, then their weights', () => {
  it('weighs the levels to the same score as scoring the pair at once', () => {
    for (const record of records.slice(0, 100)) {
      for (const candidate of source.candidatesOf(record)) {
        expect(engine.scorer.weigh(candidate, engine.scorer.levels(record, candidate), engine.scorer.priorOf(record))).toEqual(
          engine.scorer.score(record, candidate),
        );
      }
    }
  });

  it('decides the same when the levels are given as when the engine computes them', () => {
    for (const record of records) {
      const candidates = source.candidatesOf(record);
      expect(engine.decide(record, candidates, (candidate) => engine.scorer.levels(record, candidate))).toEqual(engine.decide(record, candidates));
    }
  });

  it('scores a pair asked for the very probability it reaches exactly as scoring it in full', () => {
    for (const record of records) {
      for (const candidate of source.candidatesOf(record)) {
        const full = engine.scorer.score(record, candidate);
        expect(engine.scorer.scoreReaching(record, candidate, full.probability, engine.scorer.priorOf(record))).toEqual(full);
      }
    }
  });

  it('scores so with a tf_minimum_u above every name frequency, where the name weighs at most what the floor allows', () => {
    const floored = inMemoryLinkage(
      { ...settings, tf_minimum_u: 0.01 },
      set.population.map((c) => toMatchRecord(c.citizen_id, c)),
    );
    for (const record of records) {
      for (const candidate of floored.source.candidatesOf(record)) {
        const full = floored.engine.scorer.score(record, candidate);
        expect(floored.engine.scorer.scoreReaching(record, candidate, full.probability, floored.engine.scorer.priorOf(record))).toEqual(full);
      }
    }
  });

  it('gives up only pairs whose full score falls short of the probability asked for, and gives up those it can early', () => {
    let givenUp = 0;
    for (const record of records) {
      for (const candidate of source.candidatesOf(record)) {
        const reaching = engine.scorer.scoreReaching(record, candidate, 0.5, engine.scorer.priorOf(record));
        if (reaching !== null) continue;
        givenUp += 1;
        expect(engine.scorer.score(record, candidate).probability).toBeLessThan(0.5);
      }
    }
    expect(givenUp).toBeGreaterThan(0);
  });

  it('keeps every pair a review threshold near 1 keeps, where weights some way apart round to one probability', () => {
    for (const review of [1 - 1e-9, 1 - 1e-12]) {
      for (const record of records) {
        for (const candidate of source.candidatesOf(record)) {
          const full = engine.scorer.score(record, candidate);
          const reaching = engine.scorer.scoreReaching(record, candidate, review, engine.scorer.priorOf(record));
          if (full.probability >= review || reaching !== null) expect(reaching).toEqual(full);
        }
      }
    }
  });

  it('holds two settings to the same levels when only m, u, the prior or thresholds differ', () => {
    const reweighed = {
      ...settings,
      probability_record_in_register: 0.5,
      thresholds: { ...settings.thresholds, link_probability: 0.99 },
      comparisons: settings.comparisons.map((c) => ({
        ...c,
        levels: c.levels.map((level) => (level.m === undefined ? level : { ...level, m: level.m * 0.9 })),
      })),
    };
    expect(sameLevels(settings, reweighed)).toBe(true);
  });

  it('does not when a level tests something else', () => {
    const [first, ...rest] = settings.comparisons;
    const retested = { ...settings, comparisons: [{ ...first!, levels: [...first!.levels].reverse() }, ...rest] };
    expect(sameLevels(settings, retested)).toBe(false);
  });
});
