import type { Page } from 'playwright-core';

/**
 * The review UI's untranslated-text check, for every browser test: what a page shows, what it
 * may show (the catalogue's strings in the language, and the data on show), and what is left.
 */

/** Every text node a person sees on the page (keyboard keys excepted), and the selected option of each list. */
export async function visibleTexts(page: Page): Promise<string[]> {
  // Run in the page (the tests' own types have no DOM): a string, evaluated there.
  return page.evaluate<string[]>(`(() => {
    const texts = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      const text = (node.textContent || '').trim();
      if (!parent || text === '' || parent.closest('kbd, option, title, script, style, [data-whole]')) continue;
      if (!parent.checkVisibility({ visibilityProperty: true })) continue;
      texts.push(text);
    }
    // A value split into marked runs (the characters that differ from the record's) is read whole.
    for (const whole of document.querySelectorAll('[data-whole]')) if (whole.checkVisibility({ visibilityProperty: true })) texts.push(whole.textContent.trim());
    for (const select of document.querySelectorAll('select')) if (select.selectedOptions[0]) texts.push(select.selectedOptions[0].text);
    for (const field of document.querySelectorAll('textarea[placeholder]:not([hidden])')) texts.push(field.getAttribute('placeholder') || '');
    return texts;
  })()`);
}

/**
 * What a page may show in the language: the catalogue's strings (templates split at their
 * placeholders), and the data on show (names, IDs, addresses, user names, comments, teams,
 * facilities): that of the case in the hash, of the API paths given, and the values given.
 * Codes (statuses, sources, actions, sexes, methods, audit actions) are not data: they must come
 * through the catalogue, so an all-capitals code is never taken as data.
 */
export async function allowList(
  page: Page,
  lang: 'vi' | 'en',
  hash: string,
  more: { paths?: string[]; data?: string[] } = {},
): Promise<{ allowed: string[]; data: string[] }> {
  // A string evaluated in the page: the test runner would rewrite a dynamic import() in a function.
  const listed = await page.evaluate<{ allowed: string[]; data: string[] }>(`(async () => {
    const lang = ${JSON.stringify(lang)};
    const i18n = await import('/ui/i18n.js');
    const strings = [];
    const collect = (value) => {
      if (typeof value === 'string') strings.push(...value.split(/\\{\\w+\\}/));
      else if (value && typeof value === 'object') Object.values(value).forEach(collect);
    };
    collect(i18n.CATALOGUE[lang]);
    collect(lang === 'vi' ? i18n.LEVEL_SENTENCES_VI : i18n.LEVEL_SENTENCES_EN);
    const data = [];
    const DATA_KEYS = new Set(['citizen_id', 'other_citizen_id', 'label', 'actor', 'claimed_by', 'proposed_by', 'reviewed_by', 'comment',
      'override_reason', 'survivor_id', 'merged_id', 'username', 'personal_id', 'full_name', 'address', 'settings_version',
      'source_system', 'source_record_id', 'value', 'place_of_birth', 'ethnicity', 'merged_into', 'undone_by', 'team', 'members',
      'stewards', 'mine', 'province', 'facility', 'assigned_to']);
    const gather = (value, key) => {
      if (typeof value === 'string' && DATA_KEYS.has(key) && (key === 'value' || !/^[A-Z_]+$/.test(value))) data.push(value);
      // A candidate's agreement ({ full_name: 'same' }) is keyed by field too, but its values are codes.
      else if (value && typeof value === 'object' && key !== 'agreement') for (const [k, v] of Object.entries(value)) gather(v, Array.isArray(value) ? key : k);
    };
    const caseId = /#\\/case\\/(\\d+)/.exec(${JSON.stringify(hash)})?.[1];
    const paths = [...(caseId ? ['/api/cases/' + caseId] : []), '/api/session', ...${JSON.stringify(more.paths ?? [])}];
    for (const path of paths) gather(await (await fetch(path)).json(), '');
    return { allowed: strings.filter((x) => x.trim() !== ''), data };
  })()`);
  return { allowed: listed.allowed, data: [...listed.data, ...(more.data ?? [])] };
}

/**
 * The text with every allowed string and every data value taken out, the longest first whichever
 * it is (a dose "1" is not taken out of the shortcuts' "1–5" before the whole line), whole words only.
 */
export function leftover(text: string, allowed: string[], data: string[]): string {
  const escape = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pieces = [
    ...data.map((value) => ({ text: value, edge: '\\p{L}\\p{N}' })),
    ...[...new Set(allowed.map((a) => a.trim()))].map((phrase) => ({ text: phrase, edge: '\\p{L}' })),
  ].sort((a, b) => b.text.length - a.text.length);
  let rest = text;
  for (const { text: piece, edge } of pieces) rest = rest.replace(new RegExp(`(?<![${edge}])${escape(piece)}(?![${edge}])`, 'gu'), ' ');
  return rest.trim();
}

/** The texts of the page that are neither the catalogue's in the language nor data on show (should be none). */
export async function untranslatedTexts(page: Page, lang: 'vi' | 'en', hash: string, more: { paths?: string[]; data?: string[] } = {}): Promise<string[]> {
  const { allowed, data } = await allowList(page, lang, hash, more);
  return (await visibleTexts(page)).map((text) => leftover(text, allowed, data)).filter((rest) => /\p{L}/u.test(rest));
}
