import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CITIZENS } from '../../services/shared/store/citizens-table.js';
import { REGISTER_REEXAMINATIONS } from '../../services/shared/store/reexamination-tables.js';
import { SETTINGS_TABLES } from '../../services/shared/store/settings-tables.js';
import { STEWARD_WORK_TABLES } from '../../services/shared/store/steward-work-tables.js';
import type { Table } from '../../services/shared/store/table.js';
import { IsolatedDatabase } from '../helpers/isolated-run.js';

describe('table descriptors agree with the migrations', () => {
  const database = new IsolatedDatabase('table-descriptors');

  beforeAll(async () => {
    await database.setUp();
  });

  afterAll(async () => {
    await database.cleanUp();
  });

  /** The table's columns as the migrations made them, `name type`, sorted. */
  const migrated = async (table: Table<string>) => {
    const { rows } = await database.pool.query<{ column_name: string; data_type: string }>(
      `select column_name, data_type from information_schema.columns where table_schema = 'public' and table_name = $1 order by column_name`,
      [table.name],
    );
    return rows.map((row) => `${row.column_name} ${row.data_type === 'timestamp with time zone' ? 'timestamptz' : row.data_type}`);
  };

  it('declares the citizens table with the columns and types the migrations give it', async () => {
    expect(await migrated(CITIZENS)).toEqual(CITIZENS.recordType().split(', ').sort());
  });

  it("declares the stewards' teams, assignment rules and bulk batches with the columns and types the migrations give them", async () => {
    for (const table of STEWARD_WORK_TABLES)
      expect({ table: table.name, columns: await migrated(table) }).toEqual({ table: table.name, columns: table.recordType().split(', ').sort() });
  });

  it('declares the re-examinations after changes of the register with the columns and types the migrations give them', async () => {
    expect(await migrated(REGISTER_REEXAMINATIONS)).toEqual(REGISTER_REEXAMINATIONS.recordType().split(', ').sort());
  });

  it("declares the settings' history, shadow runs and the records a promotion sent back with the columns and types the migrations give them", async () => {
    for (const table of SETTINGS_TABLES)
      expect({ table: table.name, columns: await migrated(table) }).toEqual({ table: table.name, columns: table.recordType().split(', ').sort() });
  });
});
