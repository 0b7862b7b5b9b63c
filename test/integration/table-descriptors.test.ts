import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CITIZENS } from '../../services/shared/store/citizens-table.js';
import { IsolatedDatabase } from '../helpers/isolated-run.js';

describe('table descriptors agree with the migrations', () => {
  const database = new IsolatedDatabase('table-descriptors');

  beforeAll(async () => {
    await database.setUp();
  });

  afterAll(async () => {
    await database.cleanUp();
  });

  it('declares the citizens table with the columns and types the migrations give it', async () => {
    const { rows } = await database.pool.query<{ column_name: string; data_type: string }>(
      `select column_name, data_type from information_schema.columns where table_schema = 'public' and table_name = $1 order by column_name`,
      [CITIZENS.name],
    );
    const migrated = rows.map((row) => `${row.column_name} ${row.data_type === 'timestamp with time zone' ? 'timestamptz' : row.data_type}`);
    expect(migrated).toEqual(CITIZENS.recordType().split(', ').sort());
  });
});
