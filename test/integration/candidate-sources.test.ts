import { appendFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inMemoryLinkage } from '../../services/shared/linkage/batch-linkage.js';
import { typoVariants } from '../../services/shared/linkage/blocking.js';
import { readPopulationCsv } from '../../services/shared/linkage-io/csv-io.js';
import { LinkageEngine } from '../../services/shared/linkage/engine.js';
import { toMatchRecord, type MatchRecord } from '../../services/shared/linkage/match-record.js';
import { loadTermFrequencies, PostgresCandidateSource } from '../../services/shared/linkage-io/postgres-candidates.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import type { Pool } from '../../services/shared/store/db.js';
import { loadPopulation } from '../../services/shared/store/population-load.js';
import { reindexCitizens } from '../../services/shared/store/reindex.js';
import { generateLinkageSet } from '../../services/shared/synth/linkage-set.js';
import { writeLinkageSet } from '../../services/shared/synth/linkage-set-files.js';
import { IsolatedDatabase } from '../helpers/isolated-run.js';

const TWINS = [
  { id: '001090904321', name: 'Phan Văn Hải' },
  { id: '001090904322', name: 'Phan Văn Hà' },
];

/** Someone whose ID is one digit from the first twin's, not a consecutive number: a typo variant of it, never looked up while the ID has a holder. */
const ONE_DIGIT_OFF = { id: '001090904371', name: 'Đỗ Thị Lan' };

/** Held by nobody, two below the first twin's ID: a near key of it, not a typo variant. */
const UNHELD_NEAR_TWIN = '001090904319';

const PLACEHOLDER = '000000000000';
const PLACEHOLDER_HOLDER = 'SECTOR-COPY-1';

describe('candidate retrieval', () => {
  const database = new IsolatedDatabase('candidates');
  const settings = loadSettings();
  let pool: Pool;
  let register: MatchRecord[];
  let records: MatchRecord[];

  beforeAll(async () => {
    const set = generateLinkageSet({ population: 3000, records: 600, absentShare: 0.15, seed: 31 });
    const dir = join(tmpdir(), database.name);
    mkdirSync(dir, { recursive: true });
    const files = writeLinkageSet(set, dir);
    // Twins with consecutive IDs: a record with one's ID must not bring in the other through typo lookups.
    appendFileSync(files.population, `${TWINS.map((t) => `${t.id},${t.name},1990-03-12,MALE,"Số 8 Trần Phú, Hà Nội",${t.id}`).join('\n')}\n`);
    appendFileSync(files.population, `${ONE_DIGIT_OFF.id},${ONE_DIGIT_OFF.name},1971-06-02,FEMALE,"Số 40 Hàng Bạc, Hà Nội",${ONE_DIGIT_OFF.id}\n`);
    // An entry holding a placeholder, no one's ID: a record carrying it must not bring it in.
    appendFileSync(files.population, `${PLACEHOLDER_HOLDER},Lò Thị Hân,2019-03-17,FEMALE,"bản Hua Pục, Sơn La",${PLACEHOLDER}\n`);
    await database.setUp();
    pool = database.pool;
    await loadPopulation(pool, files.population, settings);
    register = readPopulationCsv(files.population);
    records = set.records.map((record) => toMatchRecord(record.record_id, record));
  });

  afterAll(async () => {
    await database.cleanUp();
  });

  it('finds the same candidates in PostgreSQL as in memory', async () => {
    const memory = inMemoryLinkage(settings, register).source;
    const inMemory = await memory.candidatesFor(records);
    const inPostgres = await new PostgresCandidateSource(pool, settings).candidatesFor(records);
    const ids = (found: MatchRecord[][]) => found.map((candidates) => candidates.map((c) => c.id).sort());
    expect(ids(inPostgres)).toEqual(ids(inMemory));
  });

  it('finds in two steps the same candidates in PostgreSQL as in memory, a settled record its holder alone', async () => {
    const { engine, source: memory } = inMemoryLinkage(settings, register);
    const firstLookup = engine.firstLookup()!;
    const inMemory = await memory.candidatesFor(records, firstLookup);
    const inPostgres = await new PostgresCandidateSource(pool, settings).candidatesFor(records, firstLookup);
    const ids = (found: MatchRecord[][]) => found.map((candidates) => candidates.map((c) => c.id).sort());
    expect(ids(inPostgres)).toEqual(ids(inMemory));
    const inOneStep = await memory.candidatesFor(records);
    const settled = records.filter((record, i) => inMemory[i]!.length === 1 && inOneStep[i]!.length > 1 && firstLookup.settles(record, inMemory[i]!));
    expect(settled.length).toBeGreaterThan(records.length / 20);
  });

  it('finds the holder of a personal ID mistyped in one digit in PostgreSQL, as in memory', async () => {
    const holder = register.find((citizen) => citizen.features.personal_id !== null)!;
    const held = new Set(register.map((citizen) => citizen.features.personal_id));
    const mistyped = typoVariants(holder.features.personal_id!).find((variant) => !held.has(variant))!;
    const record = toMatchRecord('R-typo', { personal_id: mistyped, full_name: null, date_of_birth: null, sex: null, address: null });
    const inPostgres = await new PostgresCandidateSource(pool, settings).candidatesFor([record]);
    const inMemory = await inMemoryLinkage(settings, register).source.candidatesFor([record]);
    expect(inPostgres[0]!.map((c) => c.id)).toContain(holder.id);
    expect(inPostgres[0]!.map((c) => c.id).sort()).toEqual(inMemory[0]!.map((c) => c.id).sort());
  });

  it("does not look up typo variants in PostgreSQL when the ID as typed has a holder; only its near keys, the twin's consecutive ID, come in", async () => {
    const record = toMatchRecord('R-twin', { personal_id: TWINS[0]!.id, full_name: null, date_of_birth: null, sex: null, address: null });
    const [inPostgres] = await new PostgresCandidateSource(pool, settings).candidatesFor([record]);
    const [inMemory] = await inMemoryLinkage(settings, register).source.candidatesFor([record]);
    expect(inPostgres!.map((c) => c.id).sort()).toEqual([TWINS[0]!.id, TWINS[1]!.id]);
    expect(inMemory!.map((c) => c.id).sort()).toEqual([TWINS[0]!.id, TWINS[1]!.id]);
  });

  it("does not bring a near key's holder in PostgreSQL, as in memory, when nobody holds the ID as typed", async () => {
    // The twin's ID is a near key of it but not a typo variant: near keys are looked up only for an ID someone holds.
    const record = toMatchRecord('R-unheld', { personal_id: UNHELD_NEAR_TWIN, full_name: null, date_of_birth: null, sex: null, address: null });
    const [inPostgres] = await new PostgresCandidateSource(pool, settings).candidatesFor([record]);
    const [inMemory] = await inMemoryLinkage(settings, register).source.candidatesFor([record]);
    expect([inPostgres!.map((c) => c.id), inMemory!.map((c) => c.id)]).toEqual([[], []]);
  });

  it('does not bring the holder of a placeholder ID in PostgreSQL, as in memory, for a record that carries it', async () => {
    const record = toMatchRecord('R-placeholder', { personal_id: PLACEHOLDER, full_name: null, date_of_birth: null, sex: null, address: null });
    const [inPostgres] = await new PostgresCandidateSource(pool, settings).candidatesFor([record]);
    const [inMemory] = await inMemoryLinkage(settings, register).source.candidatesFor([record]);
    expect([inPostgres!.map((c) => c.id), inMemory!.map((c) => c.id)]).toEqual([[], []]);
  });

  it('brings the holder of a placeholder ID in PostgreSQL under a rule that looks up every ID as typed', async () => {
    const asTyped = { ...settings, blocking_rules: settings.blocking_rules.map(({ held_ids_only: _held, ...rule }) => rule) };
    const record = toMatchRecord('R-placeholder', { personal_id: PLACEHOLDER, full_name: null, date_of_birth: null, sex: null, address: null });
    const [inPostgres] = await new PostgresCandidateSource(pool, asTyped).candidatesFor([record]);
    expect(inPostgres!.map((c) => c.id)).toEqual([PLACEHOLDER_HOLDER]);
  });

  it('skips the same generic keys in PostgreSQL as in memory, and finds the same candidates', async () => {
    // A cap this small makes generic keys of common names even in a register of 3,000.
    const capped = { ...settings, blocking_rules: settings.blocking_rules.map((rule) => ({ ...rule, max_block_size: 2 })) };
    const memory = inMemoryLinkage(capped, register).source;
    const postgres = new PostgresCandidateSource(pool, capped);
    const ids = (found: MatchRecord[][]) => found.map((candidates) => candidates.map((c) => c.id).sort());
    expect(ids(await postgres.candidatesFor(records))).toEqual(ids(await memory.candidatesFor(records)));
    expect(postgres.genericLookups()).toEqual(memory.genericLookups());
    expect([...memory.genericLookups().values()].some((n) => n > 0)).toBe(true);
  });

  it('finds the same candidates after every key is rebuilt by reindex', async () => {
    const before = await new PostgresCandidateSource(pool, settings).candidatesFor(records);
    expect(await reindexCitizens(pool, settings)).toBe(register.length);
    const after = await new PostgresCandidateSource(pool, settings).candidatesFor(records);
    const ids = (found: MatchRecord[][]) => found.map((candidates) => candidates.map((c) => c.id).sort());
    expect(ids(after)).toEqual(ids(before));
  });

  it('gives the same decisions with either source', async () => {
    const memory = inMemoryLinkage(settings, register);
    const postgres = new LinkageEngine(settings, await loadTermFrequencies(pool, settings));
    const viaMemory = await memory.engine.decideAll(records, memory.source);
    const viaPostgres = await postgres.decideAll(records, new PostgresCandidateSource(pool, settings));
    const summary = (d: { recordId: string; decision: string; citizenId: string | null; score: number }) => [
      d.recordId,
      d.decision,
      d.citizenId,
      d.score.toFixed(9),
    ];
    expect(viaPostgres.map(summary)).toEqual(viaMemory.map(summary));
  });
});
