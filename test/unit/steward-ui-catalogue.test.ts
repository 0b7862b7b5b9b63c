import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../services/shared/paths.js';
import { REFUSAL_CODES } from '../../services/shared/review/steward-refusal.js';
import { SERVER_ERROR_CODES } from '../../services/steward/steward-app.js';
// @ts-expect-error: the UI is plain browser JavaScript, without type declarations
import { CATALOGUE } from '../../services/steward/ui/i18n.js';

type Labels = Record<string, string | Record<string, string>>;
const catalogue = CATALOGUE as Record<'vi' | 'en', Labels>;

/** The symbols of the enums an Avro schema declares, by enum name. */
function enumSymbols(schemaFile: string, enumName: string): string[] {
  const text = readFileSync(join(REPO_ROOT, 'schemas', schemaFile), 'utf8');
  const match = new RegExp(`"name":\\s*"${enumName}",\\s*"symbols":\\s*\\[([^\\]]*)\\]`).exec(text);
  if (!match) throw new Error(`no enum ${enumName} in ${schemaFile}`);
  return [...match[1]!.matchAll(/"([A-Z_]+)"/g)].map((m) => m[1]!);
}

/** Every key of the catalogue in a language, groups as group.key. */
function keys(labels: Labels): string[] {
  return Object.entries(labels).flatMap(([key, value]) => (typeof value === 'string' ? [key] : Object.keys(value).map((inner) => `${key}.${inner}`)));
}

const group = (lang: 'vi' | 'en', name: string) => catalogue[lang][name] as Record<string, string>;

describe('the steward UI catalogue', () => {
  it('has every word in Vietnamese and in English', () => {
    expect(keys(catalogue.vi).sort()).toEqual(keys(catalogue.en).sort());
  });

  it('says in words of its own why the register refused a decision, for every refusal it gives a code', () => {
    for (const lang of ['vi', 'en'] as const) expect(REFUSAL_CODES.filter((code) => !(code in group(lang, 'errors')))).toEqual([]);
  });

  it("says in words of its own why the server could not answer, for every code of a failure that is not the request's", () => {
    for (const lang of ['vi', 'en'] as const) expect(SERVER_ERROR_CODES.filter((code) => !(code in group(lang, 'errors')))).toEqual([]);
  });

  it("names every kind of fact a sector sends, on the citizen's history page", () => {
    const kinds = [
      ...enumSymbols('vaccination-event.avsc', 'VaccinationEventType'),
      ...enumSymbols('civil-status-event.avsc', 'CivilStatusEventType'),
      ...enumSymbols('driver-licence-event.avsc', 'DriverLicenceEventType'),
      ...enumSymbols('social-welfare-event.avsc', 'SocialWelfareEventType'),
    ];
    for (const lang of ['vi', 'en'] as const) expect(kinds.filter((kind) => !(kind in group(lang, 'factKinds')))).toEqual([]);
  });

  it('names every way a record is linked, and every update the register makes to a citizen, in the audit trail', () => {
    const methods = enumSymbols('link-decision.avsc', 'LinkMethod');
    const updates = enumSymbols('population-update.avsc', 'UpdateType');
    for (const lang of ['vi', 'en'] as const) {
      expect(methods.filter((method) => !(method in group(lang, 'methods')))).toEqual([]);
      expect(updates.filter((update) => !(update in group(lang, 'auditActions')))).toEqual([]);
    }
  });
});
