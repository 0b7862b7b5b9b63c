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

describe('candidates per record counted on several threads', () => {
  it('gives, once the threads’ tallies are absorbed, what one tally of every record gives', async () => {
    const sizes = [3, 0, 7, 7, 1, 250, 2, 9, 4, 4];
    const one = new CandidateTally(sized);
    await one.candidatesFor(records(...sizes));
    const threads = [new CandidateTally(sized), new CandidateTally(sized)];
    await threads[0]!.candidatesFor(records(...sizes.slice(0, 6)));
    await threads[1]!.candidatesFor(records(...sizes.slice(6)));
    const main = new CandidateTally(sized);
    for (const thread of threads) main.absorb(structuredClone(thread.state()));
    expect(main.counts()).toEqual(one.counts());
  });

  it('adds the threads’ generic lookups, rule by rule', () => {
    const generic = (counts: [string, number][]): CandidateSource => ({ ...sized, genericLookups: () => new Map(counts) });
    const main = new CandidateTally(sized);
    main.absorb(new CandidateTally(generic([])).state());
    main.absorb({ ...new CandidateTally(sized).state(), genericLookups: [['dob_given', 2]] });
    main.absorb({
      ...new CandidateTally(sized).state(),
      genericLookups: [
        ['dob_given', 3],
        ['name_birth_year', 1],
      ],
    });
    expect(main.genericLookups()).toEqual(
      new Map([
        ['dob_given', 5],
        ['name_birth_year', 1],
      ]),
    );
  });
});

describe('generic lookups absorbed from threads', () => {
  it('lists the rules in their order, whichever thread skipped a lookup under a rule first', () => {
    const tallyCounting = (counts: Map<string, number>) => new CandidateTally({ ...sized, genericLookups: () => new Map(counts) });
    const rules = () =>
      new Map([
        ['dob_family', 0],
        ['family_given_year', 0],
      ]);
    const [first, second] = [rules(), rules()];
    const threads = [tallyCounting(first), tallyCounting(second)];
    first.set('family_given_year', 4);
    second.set('dob_family', 1);
    const main = CandidateTally.absorbing();
    for (const thread of threads) main.absorb(thread.state());
    expect([...main.genericLookups()]).toEqual([
      ['dob_family', 1],
      ['family_given_year', 4],
    ]);
  });
});
