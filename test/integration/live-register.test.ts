import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveRegister } from '../../services/shared/linkage-io/live-register.js';
import { PostgresCandidateSource } from '../../services/shared/linkage-io/postgres-candidates.js';
import { MemoryUntilOutgrown } from '../../services/linker/memory-until-outgrown.js';
import { candidatesAtStart } from '../../services/linker/candidates-at-start.js';
import { normalisedFieldFeatures, toMatchRecord, type MatchRecord } from '../../services/shared/linkage/match-record.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { addressFeaturesToStore } from '../../services/shared/linkage/stored-address-features.js';
import { CitizenChangesPruner } from '../../services/shared/store/citizen-changes.js';
import type { Pool } from '../../services/shared/store/db.js';
import { loadPopulation } from '../../services/shared/store/population-load.js';
import { reindexCitizens } from '../../services/shared/store/reindex.js';
import { generateLinkageSet } from '../../services/shared/synth/linkage-set.js';
import { writeLinkageSet } from '../../services/shared/synth/linkage-set-files.js';
import { IsolatedDatabase } from '../helpers/isolated-run.js';
import { waitUntil } from '../helpers/wait.js';

/** The pool, with its queries and connections counted: a read of the register makes both. */
function countingCalls(pool: Pool): { pool: Pool; calls: { n: number } } {
  const calls = { n: 0 };
  const watched = new Proxy(pool, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (property === 'query' || property === 'connect') calls.n += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { pool: watched, calls };
}

const ids = (found: MatchRecord[][]): string[][] => found.map((candidates) => candidates.map((c) => c.id).sort());

/** A new citizen with the fields a candidate is read from. */
async function insertCitizen(run: Pick<Pool, 'query'>, id: string, name: string, nameKey: string, dob: string): Promise<void> {
  await run.query(
    `insert into citizens (citizen_id, full_name, name_key, family_name, date_of_birth, dob_precision, sex, origin)
     values ($1, $2, $3, split_part($3, ' ', 1), $4, 'DAY', 'FEMALE', 'test')`,
    [id, name, nameKey, dob],
  );
}

describe('the register held in memory for candidates', () => {
  const database = new IsolatedDatabase('live_register');
  const settings = loadSettings();
  let pool: Pool;
  let records: MatchRecord[];

  beforeAll(async () => {
    const set = generateLinkageSet({ population: 3000, records: 600, absentShare: 0.15, seed: 37 });
    const dir = join(tmpdir(), database.name);
    mkdirSync(dir, { recursive: true });
    const files = writeLinkageSet(set, dir);
    await database.setUp();
    pool = database.pool;
    await loadPopulation(pool, files.population, settings);
    records = set.records.map((record) => toMatchRecord(record.record_id, record));
  });

  afterAll(async () => {
    await database.cleanUp();
  });

  it('finds the same candidates as PostgreSQL when read', async () => {
    const live = await LiveRegister.load(pool, settings);
    expect(ids(await live.candidatesFor(records))).toEqual(ids(await new PostgresCandidateSource(pool, settings).candidatesFor(records)));
  });

  it('finds the same candidates as PostgreSQL after citizens are created, corrected and merged since it was read', async () => {
    const live = await LiveRegister.load(pool, settings);
    const { rows } = await pool.query<{ citizen_id: string }>('select citizen_id from citizens order by citizen_id limit 300');
    const chosen = rows.map((row) => row.citizen_id);
    // Corrected: each of the first hundred takes the name and date of birth of the next, so old namesakes part and new ones meet.
    await pool.query(
      `update citizens c set name_key = n.name_key, full_name = n.full_name, date_of_birth = n.date_of_birth, dob_precision = n.dob_precision
         from citizens n where (c.citizen_id, n.citizen_id) in (select a, b from unnest($1::text[], $2::text[]) as p(a, b))`,
      [chosen.slice(0, 100), chosen.slice(1, 101)],
    );
    await pool.query(`update citizens set status = 'MERGED', merged_into = $1 where citizen_id = any($2::text[])`, [chosen[299], chosen.slice(200, 250)]);
    for (const [i, id] of chosen.slice(250, 280).entries()) {
      const { rows: same } = await pool.query<{ full_name: string; name_key: string; date_of_birth: string }>(
        'select full_name, name_key, date_of_birth from citizens where citizen_id = $1',
        [id],
      );
      await insertCitizen(pool, `NEW-${i}`, same[0]!.full_name, same[0]!.name_key, same[0]!.date_of_birth);
    }
    await reindexCitizens(pool, settings);
    const inPostgres = ids(await new PostgresCandidateSource(pool, settings).candidatesFor(records));
    expect(ids(await live.candidatesFor(records))).toEqual(inPostgres);
    expect(live.size.changedSince).toBe(180);
  });

  it('finds a citizen whose transaction began before a read and committed after it', async () => {
    const live = await LiveRegister.load(pool, settings);
    const record = toMatchRecord('R-LATE', { personal_id: null, full_name: 'Đinh Thị Muộn', date_of_birth: '1961-07-04', sex: 'F', address: null });
    const late = await pool.connect();
    try {
      await late.query('begin');
      await insertCitizen(late, 'LATE-1', 'Đinh Thị Muộn', 'dinh thi muon', '1961-07-04');
      // Another citizen committed meanwhile, by a transaction that began after the late one: a read now sees it, and not the late one.
      await insertCitizen(pool, 'EARLY-1', 'Đinh Thị Muộn', 'dinh thi muon', '1961-07-04');
      expect(ids(await live.candidatesFor([record]))).toEqual([['EARLY-1']]);
      await late.query('commit');
    } finally {
      late.release();
    }
    await reindexCitizens(pool, settings);
    expect(ids(await new PostgresCandidateSource(pool, settings).candidatesFor([record]))).toEqual([['EARLY-1', 'LATE-1']]);
    expect(ids(await live.candidatesFor([record]))).toEqual([['EARLY-1', 'LATE-1']]);
  });

  it('reads the register afresh when notes it needed were pruned', async () => {
    const live = await LiveRegister.load(pool, settings);
    const record = toMatchRecord('R-AWAY', { personal_id: null, full_name: 'Hà Thị Vắng', date_of_birth: '1975-02-09', sex: 'F', address: null });
    await insertCitizen(pool, 'AWAY-1', 'Hà Thị Vắng', 'ha thi vang', '1975-02-09');
    expect(await new CitizenChangesPruner(pool, 0).prune()).toBeGreaterThan(0);
    expect(ids(await live.candidatesFor([record]))).toEqual([['AWAY-1']]);
    expect(live.size.changedSince).toBe(0);
  });

  it('reads the register afresh rather than take in more changed citizens than it allows', async () => {
    const live = await LiveRegister.load(pool, settings, { refoldAfter: 5 });
    for (let i = 0; i < 8; i += 1) await insertCitizen(pool, `MANY-${i}`, 'Lò Văn Nhiều', 'lo van nhieu', `1950-01-0${i + 1}`);
    await reindexCitizens(pool, settings);
    expect(ids(await live.candidatesFor(records))).toEqual(ids(await new PostgresCandidateSource(pool, settings).candidatesFor(records)));
    expect(live.size.changedSince).toBe(0);
  });

  it('reads the register afresh in the background once half the changes it takes in have come, answering as PostgreSQL before and after', async () => {
    const live = await LiveRegister.load(pool, settings, { refoldAfter: 10 });
    const before = live.size.snapshot;
    const record = toMatchRecord('R-BG', { personal_id: null, full_name: 'Đinh Thị Nền', date_of_birth: '1961-03-01', sex: 'F', address: null });
    for (let i = 0; i < 6; i += 1) await insertCitizen(pool, `BG-${i}`, 'Đinh Thị Nền', 'dinh thi nen', '1961-03-01');
    await reindexCitizens(pool, settings);
    const postgres = new PostgresCandidateSource(pool, settings);
    expect(ids(await live.candidatesFor([record, ...records]))).toEqual(ids(await postgres.candidatesFor([record, ...records])));
    expect(live.size).toEqual({ snapshot: before, changedSince: 6 });
    await waitUntil(
      async () => (await live.catchUp(), live.size),
      (size) => size.snapshot === before + 6 && size.changedSince === 0,
      30_000,
      'the register read afresh in the background and swapped in',
    );
    expect(ids(await live.candidatesFor([record, ...records]))).toEqual(ids(await postgres.candidatesFor([record, ...records])));
  });

  it('keeps its copy current while no batch asks, so notes pruned since are not read afresh', async () => {
    const live = await LiveRegister.load(pool, settings);
    const clock = { now: 0 };
    const pruner = new CitizenChangesPruner(pool, 1_000, () => clock.now);
    const record = toMatchRecord('R-IDLE', { personal_id: null, full_name: 'Mè Thị Lặng', date_of_birth: '1958-07-21', sex: 'F', address: null });
    await insertCitizen(pool, 'IDLE-1', 'Mè Thị Lặng', 'me thi lang', '1958-07-21');
    await pruner.prune();
    await live.catchUp();
    clock.now = 1_000;
    expect(await pruner.prune()).toBeGreaterThan(0);
    expect(ids(await live.candidatesFor([record]))).toEqual([['IDLE-1']]);
    expect(live.size.changedSince).toBe(1);
  });

  it('stops reading a register larger than the most it may hold with REGISTER_OUTGREW_MEMORY, before building a copy', async () => {
    await expect(LiveRegister.load(pool, settings, { maxCitizens: 100 })).rejects.toMatchObject({ code: 'REGISTER_OUTGREW_MEMORY', retriable: false });
  });

  it('answers from PostgreSQL, as PostgreSQL does, once the register outgrows the most the copy may hold', async () => {
    const { rows } = await pool.query<{ n: string }>(`select count(*) as n from citizens where status <> 'MERGED'`);
    const live = await LiveRegister.load(pool, settings, { refoldAfter: 3, maxCitizens: Number(rows[0]!.n) + 5 });
    const outgrown: unknown[] = [];
    const source = new MemoryUntilOutgrown(
      live,
      () => new PostgresCandidateSource(pool, settings),
      (error) => outgrown.push(error),
    );
    const record = toMatchRecord('R-GROWN', { personal_id: null, full_name: 'Hà Thị Lớn', date_of_birth: '1966-05-01', sex: 'F', address: null });
    for (let i = 0; i < 10; i += 1) await insertCitizen(pool, `GROWN-${i}`, 'Hà Thị Lớn', 'ha thi lon', '1966-05-01');
    await reindexCitizens(pool, settings);
    const [grown, ...others] = await Promise.all([source.candidatesFor([record, ...records]), source.candidatesFor(records)]);
    const inPostgres = ids(await new PostgresCandidateSource(pool, settings).candidatesFor([record, ...records]));
    expect({ grown: ids(grown!), others: ids(others[0]!), switched: outgrown.length }).toEqual({ grown: inPostgres, others: inPostgres.slice(1), switched: 1 });
  });

  it('fails every catch-up at once, reading nothing, once a read found the register past the most it may hold', async () => {
    const { rows } = await pool.query<{ n: string }>(`select count(*) as n from citizens where status <> 'MERGED'`);
    const { pool: watched, calls } = countingCalls(pool);
    const live = await LiveRegister.load(watched, settings, { refoldAfter: 1, maxCitizens: Number(rows[0]!.n) + 1 });
    for (let i = 0; i < 3; i += 1) await insertCitizen(pool, `PAST-${i}`, 'Lù Thị Quá', 'lu thi qua', '1977-02-03');
    await expect(live.catchUp()).rejects.toMatchObject({ code: 'REGISTER_OUTGREW_MEMORY', retriable: false });
    const callsWhenOutgrown = calls.n;
    await expect(live.candidatesFor(records)).rejects.toMatchObject({ code: 'REGISTER_OUTGREW_MEMORY' });
    expect(calls.n).toBe(callsWhenOutgrown);
  });

  it('finds the register outgrown by a read begun in the background, and fails the next catch-up at once', async () => {
    const { rows } = await pool.query<{ n: string }>(`select count(*) as n from citizens where status <> 'MERGED'`);
    const live = await LiveRegister.load(pool, settings, { refoldAfter: 10, maxCitizens: Number(rows[0]!.n) + 2 });
    for (let i = 0; i < 6; i += 1) await insertCitizen(pool, `FAR-${i}`, 'Sầm Thị Xa', 'sam thi xa', '1982-08-09');
    await live.catchUp();
    expect(live.size.changedSince).toBe(6);
    await waitUntil(
      () =>
        live.catchUp().then(
          () => null,
          (error: unknown) => error,
        ),
      (error) => error !== null,
      30_000,
      'the background read found the register past the bound',
    );
    await expect(live.catchUp()).rejects.toMatchObject({ code: 'REGISTER_OUTGREW_MEMORY' });
  });

  it("holds the register in memory at the linker's start when auto finds it within the bound, and reads PostgreSQL when over", async () => {
    const within = await candidatesAtStart(pool, { DANCU_LINKER_CANDIDATES: 'auto', DANCU_LINKER_MEMORY_MAX_CITIZENS: 1_000_000 });
    const over = await candidatesAtStart(pool, { DANCU_LINKER_CANDIDATES: 'auto', DANCU_LINKER_MEMORY_MAX_CITIZENS: 1_000 });
    expect({ within: within.from, over: over.from, counted: within.citizens! > 1_000 }).toEqual({ within: 'memory', over: 'postgres', counted: true });
  });

  it('no longer finds a citizen under an ID she no longer has', async () => {
    const live = await LiveRegister.load(pool, settings);
    const record = toMatchRecord('R-MOVED', { personal_id: null, full_name: 'Vi Thị Đổi', date_of_birth: '1969-11-30', sex: 'F', address: null });
    await insertCitizen(pool, 'OLD-ID', 'Vi Thị Đổi', 'vi thi doi', '1969-11-30');
    expect(ids(await live.candidatesFor([record]))).toEqual([['OLD-ID']]);
    await pool.query(`update citizens set citizen_id = 'NEW-ID' where citizen_id = 'OLD-ID'`);
    expect(ids(await live.candidatesFor([record]))).toEqual([['NEW-ID']]);
  });

  it("gives a citizen whose address was changed since it was read the new address's features, not the ones stored with the old", async () => {
    const [before, after] = ['xóm Đông, xã Nghi Phong, Nghi Lộc, Nghệ An', 'Số 12 đường Lê Lợi, phường Bến Nghé, Quận 1, TP. Hồ Chí Minh'];
    const featuresOf = (address: string) => normalisedFieldFeatures.address(address).features;
    await insertCitizen(pool, 'MOVER-1', 'Kha Thị Dời', 'kha thi doi', '1975-05-06');
    await pool.query(`update citizens set address = $1, address_features = $2 where citizen_id = 'MOVER-1'`, [
      before,
      addressFeaturesToStore(normalisedFieldFeatures.address(before)),
    ]);
    const record = toMatchRecord('R-MOVER', { personal_id: null, full_name: 'Kha Thị Dời', date_of_birth: '1975-05-06', sex: 'F', address: null });
    const live = await LiveRegister.load(pool, settings);
    const areaOf = async () => (await live.candidatesFor([record]))[0]!.find((c) => c.id === 'MOVER-1')?.features;
    expect((await areaOf())?.area_province).toBe(featuresOf(before).area_province);
    // The trigger of migration 037 drops the stored features when an address changes without them.
    await pool.query(`update citizens set address = $1 where citizen_id = 'MOVER-1'`, [after]);
    expect(await areaOf()).toMatchObject({ area_province: featuresOf(after).area_province, address_key: featuresOf(after).address_key });
  });
});
