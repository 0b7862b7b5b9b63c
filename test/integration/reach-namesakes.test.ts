import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../services/cli/stack/postgres-node.js';
import { loadSettings, type LinkageSettings } from '../../services/shared/linkage/settings.js';
import { createPool, type Pool } from '../../services/shared/store/db.js';
import { loadCitizens } from '../../services/shared/store/decision-load.js';
import { migrate } from '../../services/shared/store/migrate.js';
import { keyedChanges } from '../../services/shared/store/plan/reexamination.js';
import { REACH_QUERY, reachParameters, reexaminationReach } from '../../services/shared/store/reexamination-reach.js';
import { loadPopulation } from '../../services/shared/store/population-load.js';
import { populationCsv, type SyntheticCitizen } from '../../services/shared/synth/population.js';
import { planNodes, type PlanNode } from '../helpers/query-plans.js';
import { dropDatabase, testDatabaseUrl, uniqueName } from '../helpers/real-stack.js';

/**
 * Which linked records a newly registered citizen puts in reach, when a name-frequency key (every
 * namesake's) counts as one shared key among others. Invented people, all in one commune of Hà
 * Nội; the changed citizen is Nguyễn Văn An, born 1990-05-01 at number 12.
 */
const PREFIX = 'reach-namesakes';
const ADDRESS = 'Số 12 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội';
/** Namesakes who share nothing else with him: a common name's holders, more than any block a linker reads. */
const UNRELATED_NAMESAKES = 1_500;

const person = (id: string, full_name: string, date_of_birth: string, address: string): SyntheticCitizen => ({
  citizen_id: id,
  personal_id: id,
  full_name,
  date_of_birth,
  sex: 'MALE',
  address,
});

const AN = person('001090000001', 'Nguyễn Văn An', '1990-05-01', ADDRESS);

/** A register, the citizens' links written weak (the records carry no personal ID), and the changed citizen's reach. */
class ReachDatabase {
  readonly url = testDatabaseUrl(uniqueName(PREFIX));
  readonly pool: Pool = createPool(this.url, 2);

  constructor(private readonly settings: LinkageSettings) {}

  async load(citizens: SyntheticCitizen[], linked: SyntheticCitizen[]): Promise<void> {
    await createDatabase(this.url);
    await migrate(this.url);
    const file = join(tmpdir(), `${uniqueName(PREFIX)}-population.csv`);
    writeFileSync(file, populationCsv(citizens));
    try {
      await loadPopulation(this.pool, file, this.settings);
    } finally {
      rmSync(file, { force: true });
    }
    for (const citizen of linked) {
      const observation = { observation_id: `obs-${citizen.citizen_id}`, source_record_id: `VAX-${citizen.citizen_id}`, person: { personal_id: null } };
      await this.pool.query(
        `insert into record_links (source, source_system, source_record_id, citizen_id, decision_id, method, score, observation)
         values ('vaccination', 'tiemchung-synthetic', $1, $2, $3, 'PROBABILISTIC', 0.97, $4)`,
        [observation.source_record_id, citizen.citizen_id, `dec-${citizen.citizen_id}`, observation],
      );
    }
    await this.pool.query('analyze');
  }

  /** The parameters of the reach of citizens' registrations in one transaction, as the store sends them. */
  async parametersOf(...registered: SyntheticCitizen[]): Promise<{ changes: ReturnType<typeof keyedChanges>; values: unknown[] }> {
    const client = await this.pool.connect();
    try {
      const { citizens } = await loadCitizens(
        client,
        registered.map((citizen) => citizen.citizen_id),
      );
      const rowOf = (id: string) => citizens.find((state) => state.row.citizen_id === id)!.row;
      const changes = keyedChanges(
        this.settings,
        registered.map((citizen) => ({ citizenId: citizen.citizen_id, trigger: 'CREATED' as const, row: rowOf(citizen.citizen_id) })),
      );
      return { changes, values: reachParameters(this.settings, changes, new Set(), 50) };
    } finally {
      client.release();
    }
  }

  /** The linked records citizens' registrations in one transaction put in reach, each with the change it is counted for, by record. */
  async picked(...registered: SyntheticCitizen[]): Promise<{ record: string; changed: string }[]> {
    const { changes } = await this.parametersOf(...registered);
    const client = await this.pool.connect();
    try {
      const reach = await reexaminationReach(client, this.settings, changes, new Set(), 50);
      return reach.picked.map((p) => ({ record: p.observation.source_record_id, changed: p.changed })).sort((a, b) => a.record.localeCompare(b.record));
    } finally {
      client.release();
    }
  }

  /** The linked records the registration of a citizen puts in reach, by record. */
  async linkedInReach(citizen: SyntheticCitizen): Promise<string[]> {
    return (await this.picked(citizen)).map((p) => p.record);
  }

  async close(): Promise<void> {
    await this.pool.end();
    await dropDatabase(this.url);
  }
}

/** Rows the plan's scans of the citizens' key table returned, over all their loops. */
function keyRowsRead(nodes: readonly PlanNode[]): number {
  return nodes.reduce((sum, node) => {
    if (node['Relation Name'] !== 'citizen_blocking_keys') return sum;
    if (node['Actual Rows'] === undefined || node['Actual Loops'] === undefined) throw new Error('a plan without actual figures: explain it with analyze');
    return sum + node['Actual Rows'] * node['Actual Loops'];
  }, 0);
}

describe('the reach of a new citizen among namesakes, under the default settings (one name-frequency feature)', () => {
  const database = new ReachDatabase(loadSettings());
  // Same name, another year, another street with the same house number: one blocking key (family, given name, house number) and the name.
  const namesakeNearby = person('001085000002', 'Nguyễn Văn An', '1985-03-02', 'Số 12 phố Hàng Đào, phường Hoàn Kiếm, Hà Nội');
  // Same name, another year, another house: the name alone.
  const namesakeOnly = person('001085000003', 'Nguyễn Văn An', '1985-03-02', 'Số 77 phố Hàng Đào, phường Hoàn Kiếm, Hà Nội');
  // Same family, same day: one blocking key (date of birth with family name), another name.
  const sameDay = person('001090000004', 'Nguyễn Thị Lan', '1990-05-01', 'Số 5 phố Lò Sũ, phường Hoàn Kiếm, Hà Nội');
  const unrelated = Array.from({ length: UNRELATED_NAMESAKES }, (_, i) =>
    person(
      `0011${String(i).padStart(8, '0')}`,
      'Nguyễn Văn An',
      `19${40 + (i % 45)}-0${1 + (i % 9)}-1${i % 10}`,
      `Số ${100 + i} phố Hàng Bông, phường Hoàn Kiếm, Hà Nội`,
    ),
  );

  beforeAll(async () => {
    await database.load([AN, namesakeNearby, namesakeOnly, sameDay, ...unrelated], [namesakeNearby, namesakeOnly, sameDay]);
  });

  afterAll(async () => {
    await database.close();
  });

  it('puts in reach the record of a namesake who shares one blocking key with him, and no record of a citizen sharing only the name or only one key', async () => {
    expect(await database.linkedInReach(AN)).toEqual([`VAX-${namesakeNearby.citizen_id}`]);
  });

  it('counts a record in reach of two registrations for the one sharing more keys with its citizen', async () => {
    // The nearby namesake shares his name and birth day (four blocking keys) with the other namesake, one blocking key and the name with An.
    expect(await database.picked(AN, namesakeOnly)).toEqual([{ record: `VAX-${namesakeNearby.citizen_id}`, changed: namesakeOnly.citizen_id }]);
  });

  it("reads fewer rows of the key table than the name's holders", async () => {
    const { values } = await database.parametersOf(AN);
    expect(keyRowsRead(await planNodes(database.pool, REACH_QUERY, values, { analyze: true }))).toBeLessThan(UNRELATED_NAMESAKES / 10);
  });
});

describe('the reach of a new citizen under settings with two name-frequency features and one address rule', () => {
  const defaults = loadSettings();
  // Blocking by personal ID and household address only; the date of birth's exact level weighs by its frequency too.
  const settings: LinkageSettings = {
    ...defaults,
    blocking_rules: defaults.blocking_rules.filter((rule) => rule.name === 'personal_id' || rule.name === 'household_address'),
    comparisons: defaults.comparisons.map((comparison) =>
      comparison.name === 'date_of_birth'
        ? { ...comparison, levels: comparison.levels.map((level) => (level.label === 'exact' ? { ...level, tf_feature: 'dob' as const } : level)) }
        : comparison,
    ),
  };
  const database = new ReachDatabase(settings);
  // Same name, same day, elsewhere: two name-frequency values and no blocking key.
  const twinElsewhere = person('001090000005', 'Nguyễn Văn An', '1990-05-01', 'Số 3 phố Hàng Gai, phường Hoàn Kiếm, Hà Nội');
  // Same name, another day, elsewhere: one name-frequency value.
  const namesake = person('001088000006', 'Nguyễn Văn An', '1988-11-20', 'Số 9 phố Hàng Gai, phường Hoàn Kiếm, Hà Nội');
  // Same house, another name and day: the one blocking key.
  const housemate = person('001062000007', 'Trần Thị Mai', '1962-02-14', ADDRESS);
  // Same house and name, another day: the blocking key and the name.
  const namesakeAtHome = person('001060000008', 'Nguyễn Văn An', '1960-08-08', ADDRESS);

  beforeAll(async () => {
    const everyone = [AN, twinElsewhere, namesake, housemate, namesakeAtHome];
    await database.load(everyone, everyone.slice(1));
  });

  afterAll(async () => {
    await database.close();
  });

  it('puts in reach the records of citizens sharing two keys of any kind, and not of those sharing one', async () => {
    expect(await database.linkedInReach(AN)).toEqual([`VAX-${twinElsewhere.citizen_id}`, `VAX-${namesakeAtHome.citizen_id}`].sort());
  });
});
