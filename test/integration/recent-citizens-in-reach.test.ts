import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../services/cli/stack/postgres-node.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { citizenAsPerson } from '../../services/shared/register/citizen-row.js';
import { createPool, type Pool } from '../../services/shared/store/db.js';
import { loadCitizens } from '../../services/shared/store/decision-load.js';
import { migrate } from '../../services/shared/store/migrate.js';
import type { Classified } from '../../services/shared/store/plan/classify.js';
import { recordKeysOf } from '../../services/shared/store/plan/record-keys.js';
import { loadPopulation } from '../../services/shared/store/population-load.js';
import { probeRows, registeredSinceBound, type RecentPair } from '../../services/shared/store/plan/recent-registrations.js';
import { changedSince, recentCitizensInReach, THROUGH_KEYS_QUERY, throughKeysParameters } from '../../services/shared/store/records-in-reach.js';
import { populationCsv, type SyntheticCitizen } from '../../services/shared/synth/population.js';
import { observation } from '../fixtures/link-decisions.js';
import { dropDatabase, testDatabaseUrl, uniqueName } from '../helpers/real-stack.js';

/**
 * Which citizens a source registered, or whose identity changed, after the linker decided a
 * record (so the linker could not see them as they are) share enough keys with the record to
 * send it back. Invented people, all in one ward
 * of Hà Nội; the records were decided an hour ago.
 */
const PREFIX = 'recent-in-reach';
const STREET = 'phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội';
const HOUR_MS = 3_600_000;
/** Infants a source registered a day ago with the newborn's family name and birth day: one blocking key each, and long known. */
const EARLIER_REGISTRATIONS = 1_500;

const person = (id: string, full_name: string, date_of_birth: string, sex: 'MALE' | 'FEMALE', address: string): SyntheticCitizen => ({
  citizen_id: id,
  personal_id: id,
  full_name,
  date_of_birth,
  sex,
  address,
});

/** Registered after the decision: the newborn herself (the record carries no ID). */
const NEWBORN = person('001326000101', 'Đỗ Thị Hà', '2026-10-03', 'FEMALE', `Số 12 ${STREET}`);
/** Registered after the decision: an infant whose ID is one digit off the other record's, with another name and day. */
const ID_TYPO = person('001226000207', 'Lý Văn Khoa', '2026-09-20', 'MALE', `Số 40 ${STREET}`);
/** Registered after the decision: born the same day with the same family name, elsewhere, another given name (one blocking key). */
const SAME_DAY = person('001226000303', 'Đỗ Văn Tú', '2026-10-03', 'MALE', `Số 88 ${STREET}`);
/** Registered a day before the decision: the newborn's namesake at the same house (every key), long visible to the linker. */
const KNOWN_BEFORE = person('001326000404', 'Đỗ Thị Hà', '2026-10-03', 'FEMALE', `Số 12 ${STREET}`);
/** Registered a day before the decision, her date of birth corrected to the newborn's after it: every key, as she is now. */
const CORRECTED = person('001326000505', 'Đỗ Thị Hà', '2026-10-03', 'FEMALE', `Số 12 ${STREET}`);
const EARLIER = Array.from({ length: EARLIER_REGISTRATIONS }, (_, i) =>
  person(`0012${String(26_100_000 + i).padStart(8, '0')}`, `Đỗ Văn Lâm ${i % 2 === 0 ? 'Anh' : 'Bảo'}`, '2026-10-03', 'MALE', `Số ${200 + i} ${STREET}`),
);

describe('the citizens registered since a record was decided that share enough keys with it', () => {
  const settings = loadSettings();
  const url = testDatabaseUrl(uniqueName(PREFIX));
  const pool: Pool = createPool(url, 2);
  let probes: Classified['reachProbes'] = [];

  beforeAll(async () => {
    await createDatabase(url);
    await migrate(url);
    const file = join(tmpdir(), `${uniqueName(PREFIX)}-population.csv`);
    writeFileSync(file, populationCsv([NEWBORN, ID_TYPO, SAME_DAY, KNOWN_BEFORE, CORRECTED, ...EARLIER]));
    try {
      await loadPopulation(pool, file, settings);
    } finally {
      rmSync(file, { force: true });
    }
    const registered = (ids: string[], at: string) =>
      pool.query(`update citizens set origin = 'source:civil-status', created_at = ${at} where citizen_id = any($1::text[])`, [ids]);
    await registered([NEWBORN.citizen_id, ID_TYPO.citizen_id, SAME_DAY.citizen_id], 'now()');
    await registered([KNOWN_BEFORE.citizen_id, CORRECTED.citizen_id, ...EARLIER.map((c) => c.citizen_id)], "now() - interval '1 day'");
    await pool.query('update citizens set identity_changed_at = now() where citizen_id = $1', [CORRECTED.citizen_id]);
    await pool.query('analyze');
    const client = await pool.connect();
    try {
      const { citizens } = await loadCitizens(client, [NEWBORN.citizen_id, ID_TYPO.citizen_id]);
      const personOf = (id: string) => citizenAsPerson(citizens.find((state) => state.row.citizen_id === id)!.row);
      // The newborn's vaccination without an ID; another infant's record sharing nothing with the infant registered since but an ID one digit off.
      const vaccination = observation({ observation_id: 'obs-vaccination', person: { ...personOf(NEWBORN.citizen_id), personal_id: null } });
      const typoRecord = observation({
        observation_id: 'obs-id-typo',
        person: {
          personal_id: '001226000201',
          full_name: 'Phan Minh Quân',
          name_key: 'phan minh quan',
          family_name: 'Phan',
          middle_name: 'Minh',
          given_name: 'Quân',
          date_of_birth: { value: '2026-08-02', precision: 'DAY' },
          sex: 'MALE',
          address: 'Số 5 phố Hàng Gai, phường Hoàn Kiếm, Hà Nội',
        },
      });
      const decidedAt = Date.now() - HOUR_MS;
      probes = [vaccination, typoRecord].map((o) => ({ observation_id: o.observation_id, decided_at: decidedAt, keys: recordKeysOf(settings, o) }));
    } finally {
      client.release();
    }
  });

  afterAll(async () => {
    await pool.end();
    await dropDatabase(url);
  });

  const asText = (pair: RecentPair) => `${pair.observation_id} ${pair.citizen_id}${pair.corrected ? ' corrected' : ''}`;

  async function found(): Promise<string[]> {
    const client = await pool.connect();
    try {
      return (await recentCitizensInReach(client, settings, probes)).pairs.map(asText).sort();
    } finally {
      client.release();
    }
  }

  it('finds the newborn registered since her record was decided, the infant whose ID is one typo from the other record’s, and the namesake corrected since', async () => {
    expect(await found()).toEqual([
      `obs-id-typo ${ID_TYPO.citizen_id}`,
      `obs-vaccination ${NEWBORN.citizen_id}`,
      `obs-vaccination ${CORRECTED.citizen_id} corrected`,
    ]);
  });

  it('finds nobody when every citizen sharing keys was registered before the records were decided', async () => {
    const client = await pool.connect();
    try {
      const late = probes.map((probe) => ({ ...probe, decided_at: Date.now() + HOUR_MS }));
      expect((await recentCitizensInReach(client, settings, late)).pairs).toEqual([]);
    } finally {
      client.release();
    }
  });

  it('gives the same pairs through the records’ keys, the way taken when more citizens were registered since than there are keys', async () => {
    const { rows } = await pool.query<RecentPair>(THROUGH_KEYS_QUERY, throughKeysParameters(settings, probeRows(settings, probes)));
    expect(rows.map(asText).sort()).toEqual(await found());
  });

  it('finds the newborn through the records’ keys when more citizens were registered since than her record has keys', async () => {
    const client = await pool.connect();
    try {
      // Two keys of the vaccination (neither an ID, so no typo variants): fewer rows to look up than the 3 citizens registered since.
      const twoKeys = [{ ...probes[0]!, keys: probes[0]!.keys.filter((k) => k.rule !== 'personal_id').slice(0, 2) }];
      const { pairs, roundTrips } = await recentCitizensInReach(client, settings, twoKeys);
      expect({ pairs: pairs.map(asText).sort(), roundTrips }).toEqual({
        pairs: [`obs-vaccination ${NEWBORN.citizen_id}`, `obs-vaccination ${CORRECTED.citizen_id} corrected`],
        roundTrips: 2,
      });
    } finally {
      client.release();
    }
  });

  it('reads only the citizens registered or corrected since the oldest decision, not those a source registered before', async () => {
    const client = await pool.connect();
    try {
      const { citizens } = await changedSince(client, settings, registeredSinceBound(probeRows(settings, probes)), 100);
      expect(citizens?.map((r) => `${r.citizen_id} ${r.corrected}`).sort()).toEqual(
        [`${NEWBORN.citizen_id} false`, `${ID_TYPO.citizen_id} false`, `${SAME_DAY.citizen_id} false`, `${CORRECTED.citizen_id} true`].sort(),
      );
    } finally {
      client.release();
    }
  });

  it('reads a citizen registered and corrected since once, as corrected', async () => {
    const client = await pool.connect();
    try {
      await client.query('begin');
      await client.query('update citizens set identity_changed_at = now() where citizen_id = $1', [ID_TYPO.citizen_id]);
      const { citizens } = await changedSince(client, settings, registeredSinceBound(probeRows(settings, probes)), 100);
      expect(citizens?.filter((r) => r.citizen_id === ID_TYPO.citizen_id).map((r) => r.corrected)).toEqual([true]);
      await client.query('rollback');
    } finally {
      client.release();
    }
  });

  it('reads no keys when more citizens were registered since than it may read', async () => {
    const client = await pool.connect();
    try {
      expect((await changedSince(client, settings, registeredSinceBound(probeRows(settings, probes)), 2)).citizens).toBeNull();
    } finally {
      client.release();
    }
  });
});
