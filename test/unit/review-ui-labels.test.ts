import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { RULES } from '../../services/shared/quality/rules.js';
import { PIPELINE_CASE_RESOLUTIONS } from '../../services/shared/store/plan/planned-rows.js';
// @ts-expect-error: the UI is plain browser JavaScript, without type declarations
import { CATALOGUE, LEVEL_SENTENCES_VI, NEVER_LINK_SENTENCES, neverLinkSentence, reasonLabel, summaryText } from '../../services/steward/ui/i18n.js';
// @ts-expect-error: the UI is plain browser JavaScript, without type declarations
import { LEVEL_SENTENCES_EN, levelSentence, resolutionLabel } from '../../services/steward/ui/i18n.js';

const catalogue = CATALOGUE as Record<'vi' | 'en', Record<string, Record<string, string>>>;
const sentences = NEVER_LINK_SENTENCES as Record<string, { en: string; vi: string } | undefined>;

/** The steward UI reads its language from the browser's storage: a stand-in for it. */
function speaking(lang: 'vi' | 'en') {
  vi.stubGlobal('localStorage', { getItem: () => lang });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('review UI labels', () => {
  it('has a Vietnamese sentence for every level of the committed linkage settings', () => {
    const levels = loadSettings().comparisons.flatMap((c) => c.levels.map((l) => `${c.name}:${l.label}`));
    expect(levels.filter((level) => !(level in (LEVEL_SENTENCES_VI as Record<string, string>)))).toEqual([]);
  });

  it("translates each level from the committed settings' own sentence (a settings edit makes the translation be revisited)", () => {
    const levels = loadSettings().comparisons.flatMap((c) => c.levels.map((l) => [`${c.name}:${l.label}`, l.sentence]));
    expect(levels.map(([key]) => [key, (LEVEL_SENTENCES_EN as Record<string, string>)[key!]])).toEqual(levels);
  });

  it('shows the sentence an explanation was kept with under older settings, not the translation of what the level says now', () => {
    speaking('vi');
    const address = loadSettings().comparisons.find((c) => c.name === 'address')!;
    const mostly = address.levels.find((l) => l.label === 'mostly_shared')!;
    const before = 'Most words of the shorter address are in the other, and the house numbers agree.';
    expect([
      levelSentence({ comparison: 'address', level: 'mostly_shared', sentence: mostly.sentence }),
      levelSentence({ comparison: 'address', level: 'mostly_shared', sentence: before }),
    ]).toEqual([(LEVEL_SENTENCES_VI as Record<string, string>)['address:mostly_shared'], before]);
  });

  it('has a Vietnamese sentence for every never_link rule of the committed linkage settings', () => {
    const rules = loadSettings().never_link.map((rule) => rule.name);
    expect(rules.filter((name) => !(name in sentences))).toEqual([]);
  });

  it("translates each never_link rule from the committed settings' own sentence (a settings edit makes the translation be revisited)", () => {
    const sources = loadSettings().never_link.map((rule) => [rule.name, sentences[rule.name]?.en]);
    expect(sources).toEqual(loadSettings().never_link.map((rule) => [rule.name, rule.sentence]));
  });

  it('shows a rule whose sentence a deployment rewrote in its own words, not the translation of the former sentence', () => {
    speaking('vi');
    const twins = loadSettings().never_link.find((rule) => rule.name === 'twins')!;
    const rewritten = { name: 'twins', sentence: twins.sentence.replace('at most 2 apart', 'at most 3 apart') };
    expect([neverLinkSentence(twins), neverLinkSentence(rewritten)]).toEqual([sentences.twins!.vi, rewritten.sentence]);
  });

  it('names the never_link reason and says its summary in both languages', () => {
    for (const lang of ['vi', 'en'] as const)
      expect([catalogue[lang].reasons!.NEVER_LINK_RULE, catalogue[lang].summaries!.NEVER_LINK_RULE]).not.toContain(undefined);
  });

  it('names the reason of a later event of a linked record that contradicts its citizen, and says its summary, in both languages', () => {
    for (const lang of ['vi', 'en'] as const)
      expect([catalogue[lang].reasons!.LINKED_RECORD_CONTRADICTED, catalogue[lang].summaries!.LINKED_RECORD_CONTRADICTED]).not.toContain(undefined);
  });

  it('names every way the pipeline closes a case, a later event superseding a waiting one included, in Vietnamese and in English', () => {
    const unnamed = (lang: 'vi' | 'en') => {
      speaking(lang);
      return PIPELINE_CASE_RESOLUTIONS.filter((resolution) => resolutionLabel(resolution) === resolution);
    };
    expect({ vi: unnamed('vi'), en: unnamed('en') }).toEqual({ vi: [], en: [] });
  });

  it("names a steward's closing of a case by the action taken", () => {
    speaking('en');
    expect(['LINK', 'REJECT', 'MERGE'].map((action) => resolutionLabel(action))).toEqual(['Link', 'Reject', 'Merge']);
  });

  it("names no particular rule in the never_link reason's label and summary: the rule's line below does", () => {
    const texts = (['vi', 'en'] as const).flatMap((lang) => [catalogue[lang].reasons!.NEVER_LINK_RULE!, catalogue[lang].summaries!.NEVER_LINK_RULE!]);
    expect(texts.filter((text) => /twins|generations|sinh đôi|cha mẹ|parent/i.test(text))).toEqual([]);
  });

  it('calls a possible duplicate under a never_link rule a match under the rule in both languages, never one citizen registered twice', () => {
    for (const lang of ['vi', 'en'] as const) {
      speaking(lang);
      const [plain, underRule] = [summaryText('POSSIBLE_DUPLICATE', { best: '99%' }), summaryText('POSSIBLE_DUPLICATE', { best: '99%' }, true)];
      expect([reasonLabel('POSSIBLE_DUPLICATE', true), underRule]).not.toContain(reasonLabel('POSSIBLE_DUPLICATE'));
      expect(underRule).not.toBe(plain);
      expect(`${reasonLabel('POSSIBLE_DUPLICATE', true)} ${underRule}`).toMatch(
        lang === 'vi' ? /cấm liên kết.*hai người/ : /never-link rule holds.*two people/,
      );
    }
  });

  it('says in both languages every finding a record on a case page can carry (the rules that let a record through)', () => {
    const warned = Object.entries(RULES).flatMap(([code, rule]) => (rule.severity === 'WARN' ? [code] : []));
    expect({ vi: warned.filter((code) => !catalogue.vi.findings![code]), en: warned.filter((code) => !catalogue.en.findings![code]) }).toEqual({
      vi: [],
      en: [],
    });
  });
});
