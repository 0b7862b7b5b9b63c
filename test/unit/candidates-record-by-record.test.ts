import { describe, expect, it } from 'vitest';
import { inMemoryLinkage } from '../../services/shared/linkage/batch-linkage.js';
import { CandidateTally } from '../../services/shared/linkage/candidate-tally.js';
import type { CandidateSource } from '../../services/shared/linkage/candidate-source.js';
import type { InMemoryCandidateSource } from '../../services/shared/linkage/in-memory-candidates.js';
import { toMatchRecord } from '../../services/shared/linkage/match-record.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { generateLinkageSet } from '../../services/shared/synth/linkage-set.js';

const set = generateLinkageSet({ population: 2_000, records: 400, absentShare: 0.1, seed: 17 });
const register = set.population.map((citizen) => toMatchRecord(citizen.citizen_id, citizen));
const records = set.records.map((record) => toMatchRecord(record.record_id, record));

/** The same index, seen only through its batch lookup and its generic counts: what a source with I/O offers. */
function batchOnly(source: CandidateSource): CandidateSource {
  return { candidatesFor: (batch) => source.candidatesFor(batch), genericLookups: () => source.genericLookups?.() ?? new Map<string, number>() };
}

/** A source answering record by record only: a batch lookup would throw. */
function recordByRecordOnly(source: InMemoryCandidateSource): CandidateSource {
  return {
    candidatesFor: () => Promise.reject(new Error('looked up as a batch')),
    candidatesOf: (record) => source.candidatesOf(record),
    genericLookups: () => source.genericLookups(),
  };
}

describe('a batch decided record by record from an index in memory', () => {
  it('gives the decisions the batch lookup gives', async () => {
    const { engine, source } = inMemoryLinkage(loadSettings(), register);
    const byRecord = await engine.decideAll(records, recordByRecordOnly(source));
    const byBatch = await engine.decideAll(records, batchOnly(source));
    expect(byRecord.some((d) => d.decision === 'LINK')).toBe(true);
    expect(byRecord).toEqual(byBatch);
  });

  it('is counted by a tally as the batch lookup is, candidates and generic keys', async () => {
    const settings = loadSettings();
    const one = inMemoryLinkage(settings, register);
    const other = inMemoryLinkage(settings, register);
    const byRecord = new CandidateTally(recordByRecordOnly(one.source));
    const byBatch = new CandidateTally(batchOnly(other.source));
    expect(byBatch.candidatesOf).toBeUndefined();
    await one.engine.decideAll(records, byRecord);
    await other.engine.decideAll(records, byBatch);
    expect(byRecord.counts()).toEqual(byBatch.counts());
    expect(byRecord.counts().records).toBe(records.length);
    expect(byRecord.genericLookups()).toEqual(byBatch.genericLookups());
  });
});
