import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { RULES } from '../../services/shared/quality/rules.js';
// @ts-expect-error: the UI is plain browser JavaScript, without type declarations
import { CATALOGUE, LEVEL_SENTENCES_VI, NEVER_LINK_SENTENCES_VI } from '../../services/steward/ui/i18n.js';

const catalogue = CATALOGUE as Record<'vi' | 'en', Record<string, Record<string, string>>>;

describe('review UI labels', () => {
  it('has a Vietnamese sentence for every level of the committed linkage settings', () => {
    const levels = loadSettings().comparisons.flatMap((c) => c.levels.map((l) => `${c.name}:${l.label}`));
    expect(levels.filter((level) => !(level in (LEVEL_SENTENCES_VI as Record<string, string>)))).toEqual([]);
  });

  it('has a Vietnamese sentence for every never_link rule of the committed linkage settings', () => {
    const rules = loadSettings().never_link.map((rule) => rule.name);
    expect(rules.filter((name) => !(name in (NEVER_LINK_SENTENCES_VI as Record<string, string>)))).toEqual([]);
  });

  it('names the never_link reason and says its summary in both languages', () => {
    for (const lang of ['vi', 'en'] as const)
      expect([catalogue[lang].reasons!.NEVER_LINK_RULE, catalogue[lang].summaries!.NEVER_LINK_RULE]).not.toContain(undefined);
  });

  it('says in both languages every finding a record on a case page can carry (the rules that let a record through)', () => {
    const warned = Object.entries(RULES).flatMap(([code, rule]) => (rule.severity === 'WARN' ? [code] : []));
    expect({ vi: warned.filter((code) => !catalogue.vi.findings![code]), en: warned.filter((code) => !catalogue.en.findings![code]) }).toEqual({
      vi: [],
      en: [],
    });
  });
});
