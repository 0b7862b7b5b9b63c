import { describe, expect, it } from 'vitest';
import type { CandidateSource } from '../../services/shared/linkage/candidate-source.js';
import { CandidateTally } from '../../services/shared/linkage/candidate-tally.js';
import type { MatchRecord } from '../../services/shared/linkage/match-record.js';

/** A source that answers each record with as many candidates as its id says. */
const sized: CandidateSource = {
  candidatesFor: (records) => Promise.resolve(records.map((record) => Array.from({ length: Number(record.id) }, () => record))),
};
const records = (...sizes: number[]) => sizes.map((size) => ({ id: String(size) }) as MatchRecord);

describe('candidates per record', () => {
  it('passes the source’s answers through unchanged', async () => {
    const tally = new CandidateTally(sized);
    const answers = await tally.candidatesFor(records(2, 0, 3));
    expect(answers.map((candidates) => candidates.length)).toEqual([2, 0, 3]);
  });

  it('gives the mean, the nearest-rank percentiles and the largest count over every batch', async () => {
    const tally = new CandidateTally(sized);
    await tally.candidatesFor(records(...Array.from({ length: 99 }, () => 1)));
    await tally.candidatesFor(records(500));
    expect(tally.counts()).toEqual({ records: 100, mean: 5.99, p50: 1, p99: 500, max: 500 });
  });

  it('gives zeros before any record', () => {
    expect(new CandidateTally(sized).counts()).toEqual({ records: 0, mean: 0, p50: 0, p99: 0, max: 0 });
  });
});
