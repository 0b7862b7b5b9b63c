import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../services/shared/linkage/settings.js';
// @ts-expect-error: the UI is plain browser JavaScript, without type declarations
import { LEVEL_SENTENCES_VI } from '../../services/steward/ui/i18n.js';

describe('review UI labels', () => {
  it('has a Vietnamese sentence for every level of the committed linkage settings', () => {
    const levels = loadSettings().comparisons.flatMap((c) => c.levels.map((l) => `${c.name}:${l.label}`));
    expect(levels.filter((level) => !(level in (LEVEL_SENTENCES_VI as Record<string, string>)))).toEqual([]);
  });
});
