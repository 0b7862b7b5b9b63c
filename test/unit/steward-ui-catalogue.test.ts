import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../services/shared/errors.js';
import { REPO_ROOT } from '../../services/shared/paths.js';
import { REFUSAL_CODES } from '../../services/shared/review/steward-refusal.js';
import { CLIENT_ERROR_CODES, SERVER_ERROR_CODES } from '../../services/steward/steward-app.js';
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

/** The modules the steward app runs: its relative imports, followed from steward-app.ts. */
function stewardModules(): string[] {
  const seen = new Set<string>();
  const pending = [join(REPO_ROOT, 'services', 'steward', 'steward-app.ts')];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const [, path] of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)\.js'/g)) pending.push(join(dirname(file), `${path!}.ts`));
  }
  return [...seen];
}

/** Codes the steward's modules hold that never reach one of its answers, and why. */
const NOT_ANSWERED: Record<string, string> = {
  OUTBOX_UNPUBLISHABLE: "the outbox relay's, recorded on the row it cannot publish",
  CSV_FILE_INVALID: "a CSV file's, which the CLI reads",
  CITIZEN_REGISTERED_MEANWHILE: 'retriable: answered 503 SERVICE_UNAVAILABLE',
  RECORD_MOVED_MEANWHILE: 'retriable: answered 503 SERVICE_UNAVAILABLE',
  REGISTRY_ACCESS_DENIED: 'retriable, a fault of the deployment: answered 503 SERVICE_MISCONFIGURED',
};

/**
 * Every code the steward API can answer a refusal with, near enough: each of dancu's error codes
 * and each `error: '…'` answer written in the modules it runs (a module may hold a code only
 * another path throws: more than it answers, never less), fastify's client errors by status, and
 * its own for a failure that is not the request's.
 */
function answeredCodes(): string[] {
  const known = new Set<string>(ERROR_CODES);
  const codes = new Set<string>([...Object.values(CLIENT_ERROR_CODES), 'BAD_REQUEST', ...SERVER_ERROR_CODES]);
  for (const file of stewardModules()) {
    if (relative(REPO_ROOT, file) === join('services', 'shared', 'errors.ts')) continue;
    const text = readFileSync(file, 'utf8');
    for (const [, code] of text.matchAll(/'([A-Z][A-Z0-9_]+)'/g)) if (known.has(code!)) codes.add(code!);
    for (const [, code] of text.matchAll(/error: '([A-Z][A-Z0-9_]+)'/g)) codes.add(code!);
  }
  return [...codes].filter((code) => !(code in NOT_ANSWERED)).sort();
}

/**
 * The reasons the register refuses a steward decision with and no code (steward-refusal.ts): none
 * a steward meets through the steward API, which refuses such a decision before publishing it
 * (case-queue.ts, merge-proposals.ts), but for the register's own guard against a link applied twice.
 */
const UNCODED_REFUSALS = [
  'a duplicate case is decided by MERGE or DISTINCT',
  'a merge joins two citizens of the case',
  'DISTINCT decides a duplicate case; a record is not linked by NEW or REJECT',
  'no such decision on this case',
  'an undo is not undone: the undo opened the case again, so decide it anew (if it was decided since, undo that decision first)',
  'no such citizen in the register',
  'the record is linked already',
];

/** The reasons of the refuse() calls in the steward's review modules that name no code: a literal reason alone. */
function refusalsWithoutCode(): string[] {
  const folder = join(REPO_ROOT, 'services', 'shared', 'review');
  const reasons = readdirSync(folder)
    .filter((file) => file.endsWith('.ts'))
    .flatMap((file) => [...readFileSync(join(folder, file), 'utf8').matchAll(/\brefuse\(\s*(['"`])((?:(?!\1).)*)\1\s*,?\s*\)/g)].map((m) => m[2]!));
  return [...new Set(reasons)].sort();
}

describe('the steward UI catalogue', () => {
  it('has every word in Vietnamese and in English', () => {
    expect(keys(catalogue.vi).sort()).toEqual(keys(catalogue.en).sort());
  });

  it('says in words of its own why the register refused a decision, for every refusal it gives a code', () => {
    for (const lang of ['vi', 'en'] as const) expect(REFUSAL_CODES.filter((code) => !(code in group(lang, 'errors')))).toEqual([]);
  });

  it('has a code, for the UI to say why and what to do next, for every refusal of a decision the steward API lets through', () => {
    expect(refusalsWithoutCode()).toEqual([...UNCODED_REFUSALS].sort());
  });

  it("says in words of its own why the server could not answer, for every code of a failure that is not the request's", () => {
    for (const lang of ['vi', 'en'] as const) expect(SERVER_ERROR_CODES.filter((code) => !(code in group(lang, 'errors')))).toEqual([]);
  });

  it('says in words of its own every code the steward API answers a refusal with, so none shows as "refused (CODE)"', () => {
    const codes = answeredCodes();
    expect({ vi: codes.filter((code) => !(code in group('vi', 'errors'))), en: codes.filter((code) => !(code in group('en', 'errors'))) }).toEqual({
      vi: [],
      en: [],
    });
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
