import { describe, expect, it } from 'vitest';
import { auditedQueryText, birthDateMatches, parseSearchQuery, rankNameHits, type SearchQuery } from '../../services/shared/register/search-query.js';

const parsed = (text: string, birthDate?: string): SearchQuery => {
  const result = parseSearchQuery(text, birthDate);
  if (!result.ok) throw new Error(result.reason);
  return result.query;
};

describe('search queries', () => {
  it('takes a personal ID typed with spaces and dots as its twelve digits', () => {
    expect(parsed(' 001.234 567-890 ')).toEqual({ by: 'id', id: '001234567890', sourceSystem: null, birthDate: null });
  });

  it('takes a record id shown as system/record apart into its system and its id', () => {
    expect(parsed('tiemchung-hn/VAX-2026-0042')).toEqual({ by: 'id', id: 'VAX-2026-0042', sourceSystem: 'tiemchung-hn', birthDate: null });
  });

  it('gives a name typed with or without diacritics, in any case, the same key', () => {
    const keys = ['Nguyễn Văn An', 'nguyen van an', 'NGUYỄN  VĂN  AN', 'Nguyen Van An'].map((text) => {
      const query = parsed(text);
      return query.by === 'name' ? query.nameKey : null;
    });
    expect(new Set(keys)).toEqual(new Set(['nguyen van an']));
  });

  it('keeps the canonical spelling of a name typed in the old tone-mark convention', () => {
    expect(parsed('Hoà')).toMatchObject({ by: 'name', fullName: 'Hòa', nameKey: 'hoa' });
  });

  it('reads a birth date written dd/mm/yyyy, yyyy-mm-dd or as a year', () => {
    expect([parsed('An', '05/01/2000'), parsed('An', '2000-01-05'), parsed('An', '2000')].map((q) => q.birthDate)).toEqual([
      '2000-01-05',
      '2000-01-05',
      '2000',
    ]);
  });

  it('refuses a query with nothing to search, a name without letters, an ID with other characters and a date that is none', () => {
    expect(parseSearchQuery('   ').ok).toBe(false);
    expect(parseSearchQuery("'-'").ok).toBe(false);
    expect(parseSearchQuery('12 <script>').ok).toBe(false);
    expect(parseSearchQuery('An', '45/13/2000').ok).toBe(false);
  });

  it('matches a birth date as far as the less precise of the two goes', () => {
    expect(birthDateMatches('2000-01-05', '2000')).toBe(true);
    expect(birthDateMatches('2000', '2000-01-05')).toBe(true);
    expect(birthDateMatches('2000-01-05', '2000-01-06')).toBe(false);
    expect(birthDateMatches('2000-01-05', null)).toBe(false);
    expect(birthDateMatches(null, null)).toBe(true);
  });

  it('shows the name exactly as typed first, then the same name without diacritics, then longer names', () => {
    const query = parsed('Lê Văn An');
    if (query.by !== 'name') throw new Error('a name');
    const hits = [
      { citizen_id: '1', full_name: 'Lê Văn An Khang', date_of_birth: '1990' },
      { citizen_id: '2', full_name: 'Lệ Vân Ân', date_of_birth: '1980' },
      { citizen_id: '3', full_name: 'Lê Văn An', date_of_birth: '2001' },
      { citizen_id: '4', full_name: 'Lê Văn An', date_of_birth: '1999' },
    ];
    expect(rankNameHits(query, hits).map((hit) => hit.citizen_id)).toEqual(['4', '3', '2', '1']);
  });

  it('audits a name by its folded key, the same with or without diacritics', () => {
    expect(auditedQueryText(parsed('Nguyễn Văn An', '2000'))).toBe(auditedQueryText(parsed('nguyen van an', '2000')));
  });
});
