import { describe, expect, it } from 'vitest';
import { CompactRegister } from '../../services/shared/linkage/compact-register.js';
import { IdPool } from '../../services/shared/linkage/id-pool.js';
import { InMemoryCandidateSource } from '../../services/shared/linkage/in-memory-candidates.js';
import { toMatchRecord } from '../../services/shared/linkage/match-record.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { generateLinkageSet } from '../../services/shared/synth/linkage-set.js';

const set = generateLinkageSet({ population: 2000, records: 400, absentShare: 0.15, seed: 41 });
const records = set.records.map((record) => toMatchRecord(record.record_id, record));
const settings = loadSettings();

/** A register and its index as the main thread builds them, and as a linking thread rebuilds them from their shares. */
function builtAndRebuilt() {
  const register = CompactRegister.of(set.population.map((citizen) => toMatchRecord(citizen.citizen_id, citizen)));
  const source = new InMemoryCandidateSource(settings.blocking_rules, register);
  // Through structured cloning, as worker_threads hands them over: the shared memory stays shared, the strings are copied.
  const shared = structuredClone({ register: register.share(), indexes: source.share() });
  const copy = new CompactRegister(shared.register);
  return { register, source, copy, copySource: new InMemoryCandidateSource(shared.indexes.rules, copy, shared.indexes) };
}

describe('a register shared with linking threads', () => {
  it('gives a thread every citizen as the register it was shared from holds them', () => {
    const { register, copy } = builtAndRebuilt();
    expect(copy.size).toBe(register.size);
    for (let at = 0; at < register.size; at += 1) expect(copy.get(at)).toEqual(register.get(at));
  });

  it('lets a thread read the rows the main thread wrote, without copying them', () => {
    const { register, copy } = builtAndRebuilt();
    expect(copy.featureRows().buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(copy.featureRows().buffer.byteLength).toBe(register.featureRows().buffer.byteLength);
  });

  it('gives a thread the same candidates for every record, without building the indexes again', () => {
    const { source, copySource } = builtAndRebuilt();
    for (const record of records) expect(copySource.candidateIndexes(record)).toEqual(source.candidateIndexes(record));
  });

  it('counts generic lookups per thread, apart from the source it was shared from', () => {
    // Blocks of at most one citizen: most keys are generic, so there is something to count.
    const rules = settings.blocking_rules.map((rule) => ({ ...rule, max_block_size: 1 }));
    const register = CompactRegister.of(set.population.map((citizen) => toMatchRecord(citizen.citizen_id, citizen)));
    const source = new InMemoryCandidateSource(rules, register);
    const shared = structuredClone({ register: register.share(), indexes: source.share() });
    const copySource = new InMemoryCandidateSource(rules, new CompactRegister(shared.register), shared.indexes);
    for (const record of records) copySource.candidateIndexes(record);
    expect([...copySource.genericLookups().values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect([...source.genericLookups().values()].every((n) => n === 0)).toBe(true);
  });
});

describe('an ID pool shared with linking threads', () => {
  it('finds and spells every ID, digits or not, as the pool it was shared from', () => {
    const pool = new IdPool();
    const ids = ['079087000001', '000000000042', 'rec-17-org', '12345678901234567890', 'X'];
    const numbers = ids.map((id) => pool.intern(id));
    const copy = IdPool.fromShared(structuredClone(pool.share()));
    expect(ids.map((id) => copy.idOf(id))).toEqual(numbers);
    expect(numbers.map((n) => copy.value(n))).toEqual(ids);
    expect(copy.idOf('079087000002')).toBe(-1);
  });
});
