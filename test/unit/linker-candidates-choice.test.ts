import { describe, expect, it } from 'vitest';
import { chooseCandidates } from '../../services/linker/candidates-choice.js';
import { MemoryUntilOutgrown } from '../../services/linker/memory-until-outgrown.js';
import { DancuError } from '../../services/shared/errors.js';
import type { CandidateSource } from '../../services/shared/linkage/candidate-source.js';
import { toMatchRecord, type MatchRecord } from '../../services/shared/linkage/match-record.js';

const register = { onCitus: false, citizens: 1_000_000, maxCitizens: 2_000_000 };

describe("the linker's candidate source chosen at start", () => {
  it('uses a source that was named, whatever the register', () => {
    expect(chooseCandidates('postgres', register)).toEqual({ from: 'postgres', reason: 'named' });
    expect(chooseCandidates('memory', { ...register, citizens: 50_000_000 })).toEqual({ from: 'memory', reason: 'named' });
  });

  it('holds a register within the bound in memory when auto chooses', () => {
    expect(chooseCandidates('auto', register)).toEqual({ from: 'memory', reason: 'register-within-memory-bound' });
    expect(chooseCandidates('auto', { ...register, citizens: 2_000_000 })).toEqual({ from: 'memory', reason: 'register-within-memory-bound' });
  });

  it('reads a register over the bound through PostgreSQL when auto chooses', () => {
    expect(chooseCandidates('auto', { ...register, citizens: 2_000_001 })).toEqual({ from: 'postgres', reason: 'register-over-memory-bound' });
  });

  it('reads a register on Citus through PostgreSQL when auto chooses, however small', () => {
    expect(chooseCandidates('auto', { ...register, onCitus: true, citizens: 10 })).toEqual({ from: 'postgres', reason: 'register-on-citus' });
  });
});

const record = toMatchRecord('R1', { full_name: 'Lò Thị Mây', date_of_birth: '1990-01-02' });
const citizen = toMatchRecord('C1', { full_name: 'Lò Thị Mây', date_of_birth: '1990-01-02' });

/** A copy in memory that answers, or fails as `failWith` says, counting its closes and catch-ups. */
function fakeLive(failWith: () => Error | null) {
  const state = { closed: 0, catchUps: 0 };
  const live = {
    candidatesFor: (records: readonly MatchRecord[]) => {
      const error = failWith();
      return error ? Promise.reject(error) : Promise.resolve(records.map(() => [citizen]));
    },
    catchUp: () => {
      state.catchUps += 1;
      const error = failWith();
      return error ? Promise.reject(error) : Promise.resolve();
    },
    genericLookups: () => new Map([['dob_family', 3]]),
    close: () => {
      state.closed += 1;
    },
  };
  return { live, state };
}

const postgres: CandidateSource = {
  candidatesFor: (records) => Promise.resolve(records.map(() => [])),
  genericLookups: () => new Map([['dob_family', 2]]),
};
const outgrew = () => new DancuError('REGISTER_OUTGREW_MEMORY', 'too many', { retriable: false });

/** The source over a fake copy failing as `failWith` says, with the switches it reported. */
function bounded(failWith: () => Error | null) {
  const { live, state } = fakeLive(failWith);
  const switched: unknown[] = [];
  const source = new MemoryUntilOutgrown(
    live,
    () => postgres,
    (error) => switched.push(error),
  );
  return { source, state, switched };
}

describe('candidates held in memory until the register outgrows them', () => {
  it('answers from memory while the copy answers', async () => {
    const { source } = bounded(() => null);
    expect((await source.candidatesFor([record]))[0]!.map((c) => c.id)).toEqual(['C1']);
  });

  it('answers the batch whose read outgrew the bound, and every later one, from PostgreSQL, switching once', async () => {
    const { source, state, switched } = bounded(outgrew);
    const answers = await Promise.all([source.candidatesFor([record]), source.candidatesFor([record])]);
    await source.candidatesFor([record]);
    expect({ answers, switched: switched.length, closed: state.closed }).toEqual({ answers: [[[]], [[]]], switched: 1, closed: 1 });
  });

  it('switches when the copy, kept current while no batch asks, finds the register outgrown, and reads it no more', async () => {
    const { source, state, switched } = bounded(outgrew);
    await source.catchUp();
    await source.catchUp();
    expect({ answer: await source.candidatesFor([record]), switched: switched.length, catchUps: state.catchUps, closed: state.closed }).toEqual({
      answer: [[]],
      switched: 1,
      catchUps: 1,
      closed: 1,
    });
  });

  it('passes on any other failure of the copy without switching', async () => {
    const { source, switched } = bounded(() => new DancuError('DEPENDENCY_UNAVAILABLE', 'database away', { retriable: true }));
    await expect(source.candidatesFor([record])).rejects.toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
    expect(switched).toEqual([]);
  });

  it("counts generic lookups on from the copy's total after the switch", async () => {
    const { source } = bounded(outgrew);
    await source.candidatesFor([record]);
    expect(source.genericLookups()).toEqual(new Map([['dob_family', 5]]));
  });
});
