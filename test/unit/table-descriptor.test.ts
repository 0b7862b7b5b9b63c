import { describe, expect, it } from 'vitest';
import { CITIZEN_CREATED_COLUMNS, CITIZEN_UPDATED_COLUMNS, CITIZENS, citizenRowColumns } from '../../services/shared/store/citizens-table.js';
import { defineTable } from '../../services/shared/store/table.js';

const PEOPLE = defineTable('people', { id: 'text', born: 'integer', seen_at: 'timestamptz' });

describe('a table descriptor', () => {
  it('lists every column in declaration order', () => {
    expect(PEOPLE.list()).toBe('id, born, seen_at');
  });

  it('qualifies the columns asked for by an alias', () => {
    expect(PEOPLE.list(['id', 'seen_at'], 'p')).toBe('p.id, p.seen_at');
  });

  it('gives the record type of a jsonb_to_recordset with each column typed', () => {
    expect(PEOPLE.recordType(['id', 'born'])).toBe('id text, born integer');
  });

  it('gives the set list of an update from a recordset', () => {
    expect(PEOPLE.assignments(['born', 'seen_at'], 'x')).toBe('born = x.born, seen_at = x.seen_at');
  });
});

describe('the citizens table', () => {
  it('reads a citizen row under an alias for joins', () => {
    expect(citizenRowColumns('c').split(', ')).toEqual(expect.arrayContaining(['c.citizen_id', 'c.personal_id', 'c.status']));
  });

  it('never rewrites a citizen id or a personal ID when it applies changes', () => {
    expect(CITIZEN_UPDATED_COLUMNS).not.toContain('citizen_id');
    expect(CITIZEN_UPDATED_COLUMNS).not.toContain('personal_id');
  });

  it('declares every column a creation or an update writes', () => {
    for (const column of [...CITIZEN_CREATED_COLUMNS, ...CITIZEN_UPDATED_COLUMNS]) expect(CITIZENS.columns).toContain(column);
  });
});
