import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalisedFieldFeatures, toMatchRecord } from '../../services/shared/linkage/match-record.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { addressFeaturesToStore, storedAddressFeatures } from '../../services/shared/linkage/stored-address-features.js';
import { PostgresCandidateSource } from '../../services/shared/linkage-io/postgres-candidates.js';
import type { Pool } from '../../services/shared/store/db.js';
import { loadPopulation } from '../../services/shared/store/population-load.js';
import { reindexCitizens, stampAddressFeatures, type ReadCitizen } from '../../services/shared/store/reindex.js';
import { IsolatedDatabase } from '../helpers/isolated-run.js';

const featuresOf = normalisedFieldFeatures.address;
const ELSEWHERE = 'Số 12 đường Lê Lợi, phường Bến Nghé, Quận 1, TP. Hồ Chí Minh';

describe("a citizen's address features stored in the register (migration 037)", () => {
  const database = new IsolatedDatabase('address-features');
  const settings = loadSettings();
  let pool: Pool;

  const storedOf = async (id: string) =>
    (
      await pool.query<{ address: string | null; address_features: string | null }>('select address, address_features from citizens where citizen_id = $1', [
        id,
      ])
    ).rows[0]!;

  beforeAll(async () => {
    await database.setUp();
    pool = database.pool;
    const file = join(tmpdir(), `${database.name}.csv`);
    writeFileSync(
      file,
      [
        'citizen_id,full_name,date_of_birth,sex,address,personal_id',
        'A-1,Nguyễn Văn Hoà,14/03/1987,Nam,"xóm Đông, xã Nghi Phong, Nghi Lộc, Nghệ An",',
        'A-2,Trần Thị Mai,03/04/2001,nữ,Thôn 3 xã Ea Kao,',
        'A-3,Lê Văn Tám,1950,M,,',
        'A-4,Võ Thị Lan,2001-04-03,FEMALE,không rõ,',
        'A-5,Phạm Văn Nam,1990-01-02,M,"Tổ 5, phường Quang Trung, Hà Giang",',
      ].join('\n'),
    );
    await loadPopulation(pool, file, settings);
  });

  afterAll(async () => {
    await database.cleanUp();
  });

  it("are written by a load as linkage works out each citizen's address, and not for a citizen without one", async () => {
    const { rows } = await pool.query<{ address: string | null; address_features: string | null }>(
      'select address, address_features from citizens order by citizen_id',
    );
    expect(rows.map((row) => (row.address === null ? row.address_features : storedAddressFeatures(row.address_features)))).toEqual(
      rows.map((row) => (row.address === null ? null : featuresOf(row.address))),
    );
  });

  it('are dropped by an update that changes the address and not them', async () => {
    await pool.query("update citizens set address = 'Thôn 9 xã Ea Kao' where citizen_id = 'A-2'");
    expect(await storedOf('A-2')).toEqual({ address: 'Thôn 9 xã Ea Kao', address_features: null });
  });

  it('are kept by an update that leaves the address as it was', async () => {
    const before = await storedOf('A-1');
    await pool.query("update citizens set full_name = 'Nguyễn Văn Hòa', address = address where citizen_id = 'A-1'");
    expect(await storedOf('A-1')).toEqual(before);
  });

  it('are kept by an update that writes the new address with its features', async () => {
    const features = addressFeaturesToStore(featuresOf(ELSEWHERE));
    await pool.query('update citizens set address = $1, address_features = $2 where citizen_id = $3', [ELSEWHERE, features, 'A-5']);
    expect(await storedOf('A-5')).toEqual({ address: ELSEWHERE, address_features: features });
  });

  it('are what a candidate from PostgreSQL is read with, not its address worked out again', async () => {
    // Another address's features under A-1's own address: a candidate that carries them was read from the column.
    await pool.query("update citizens set address_features = $1 where citizen_id = 'A-1'", [addressFeaturesToStore(featuresOf(ELSEWHERE))]);
    const record = toMatchRecord('r-1', { personal_id: null, full_name: 'Nguyễn Văn Hoà', date_of_birth: '1987-03-14', sex: 'M' });
    const [found] = await new PostgresCandidateSource(pool, settings).candidatesFor([record]);
    const candidate = found!.find((c) => c.id === 'A-1');
    expect(candidate?.features.area_province).toBe(featuresOf(ELSEWHERE).features.area_province);
    expect(candidate?.features.area_province).not.toBe(featuresOf((await storedOf('A-1')).address).features.area_province);
  });

  it('are written again by a reindex where missing or wrong, and the citizens already right are not rewritten', async () => {
    const untouched = async () => (await pool.query<{ xmin: string }>("select xmin from citizens where citizen_id = 'A-4'")).rows[0]!.xmin;
    const before = await untouched();
    await reindexCitizens(pool, settings);
    expect(await Promise.all(['A-1', 'A-2'].map(async (id) => storedAddressFeatures((await storedOf(id)).address_features)))).toEqual(
      await Promise.all(['A-1', 'A-2'].map(async (id) => featuresOf((await storedOf(id)).address))),
    );
    expect(await untouched()).toBe(before);
  });

  it('are not written by a reindex for an address changed since it read the citizen', async () => {
    const read = (await pool.query<ReadCitizen>("select * from citizens where citizen_id = 'A-5'")).rows[0]!;
    const computed = addressFeaturesToStore(featuresOf(read.address!));
    // Another transaction moves A-5 between the reindex's read of its page and its write.
    await pool.query("update citizens set address = 'Thôn 3 xã Ea Kao' where citizen_id = 'A-5'");
    const client = await pool.connect();
    try {
      await stampAddressFeatures(client, [{ ...read, address_features: null }], [computed]);
    } finally {
      client.release();
    }
    expect(await storedOf('A-5')).toEqual({ address: 'Thôn 3 xã Ea Kao', address_features: null });
  });
});
