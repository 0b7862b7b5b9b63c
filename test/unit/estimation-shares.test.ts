import { describe, expect, it } from 'vitest';
import { CompactRegister } from '../../services/shared/linkage/compact-register.js';
import { estimateParameters, estimateParametersOn, estimationPairsOf, estimationShares, type WorkOutPairs } from '../../services/shared/linkage/estimate.js';
import { InMemoryCandidateSource } from '../../services/shared/linkage/in-memory-candidates.js';
import { toMatchRecord } from '../../services/shared/linkage/match-record.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { generateLinkageSet } from '../../services/shared/synth/linkage-set.js';

const set = generateLinkageSet({ population: 3000, records: 700, absentShare: 0.15, seed: 19 });
const register = CompactRegister.of(set.population.map((citizen) => toMatchRecord(citizen.citizen_id, citizen)));
const records = set.records.map((record) => toMatchRecord(record.record_id, record));
const settings = loadSettings();
const asOf = '2026-12-05';

/** Works out each share here, answering the later shares first, as threads may. */
const workedOutHere: WorkOutPairs = (draws, shares) => {
  const source = new InMemoryCandidateSource(settings.blocking_rules, register);
  return Promise.all(
    shares.map(
      (share, i) =>
        new Promise<ReturnType<typeof estimationPairsOf>>((resolve) =>
          setTimeout(() => resolve(estimationPairsOf(settings, register, source, records, draws, share)), (shares.length - i) * 5),
        ),
    ),
  );
};

/** What an estimate is made of, without the day it was made. */
function estimateOf(estimated: Awaited<ReturnType<typeof estimateParametersOn>>) {
  return { settings: { ...estimated.settings, training: { ...estimated.settings.training, trained_at: '' } }, spread: estimated.spread };
}

describe('the estimation’s pairs worked out in shares', () => {
  it('cut the random draws into even runs, one after the other', () => {
    expect(estimationShares(settings, 701, 3).map((share) => share.draws)).toEqual([
      [0, 100_000],
      [100_000, 200_000],
      [200_000, 300_000],
    ]);
  });

  it('cut the records into runs that cover each once', () => {
    expect(estimationShares(settings, 701, 3).map((share) => share.records)).toEqual([
      [0, 233],
      [233, 467],
      [467, 701],
    ]);
  });

  it('give every training session to one share', () => {
    expect(
      estimationShares(settings, 701, 3)
        .flatMap((share) => share.sessions)
        .sort(),
    ).toEqual(settings.training_sessions.map((_, s) => s));
  });

  it('give the same estimate, three ways (one of them without a session), as the pairs worked out in one', async () => {
    const whole = estimateParameters(settings, register, records, { asOf });
    const inShares = await estimateParametersOn(settings, register.size, records, workedOutHere, 3, { asOf });
    expect(estimateOf(inShares)).toEqual(estimateOf(whole));
  });

  it('records how many records were given when it estimated from a sample of them', () => {
    expect(estimateParameters(settings, register, records, { sample: 400, asOf }).report.records_in_file).toBe(records.length);
  });
});
