import { join } from 'node:path';
import { z } from 'zod';
import { datesCompatible } from '../normalise/date.js';
import { readJsonFile, zodProblems } from '../config/json-file.js';
import { ConfigError } from '../errors.js';
import { REPO_ROOT } from '../paths.js';
import type { DatePrecision } from '../schemas/records.js';

/** The register fields sources can set, each a column of `citizens` (a date with its precision column). */
export const REGISTER_FIELDS = ['full_name', 'date_of_birth', 'sex', 'address', 'place_of_birth', 'ethnicity', 'marital_status', 'date_of_death'] as const;
export type RegisterField = (typeof REGISTER_FIELDS)[number];

/** The register's own value, from before any event reached it (a loaded snapshot): its event time is unknown, so 0. */
export const REGISTER_SOURCE = 'register';

/** Ways to tell two claims on one field apart, tried in the order a field lists them. */
export const SURVIVORSHIP_RULES = ['source-authority', 'recency', 'completeness'] as const;
export type SurvivorshipRule = (typeof SURVIVORSHIP_RULES)[number];

const fieldSurvivorshipSchema = z.object({
  /** Sources whose values are claims on the field; a value from any other source is not. */
  sources: z.array(z.string().min(1)).min(1),
  /** Tiers of authority, highest first; a listed source in no tier ranks below every tier. */
  authority: z.array(z.array(z.string().min(1)).min(1)),
  rules: z
    .array(z.enum(SURVIVORSHIP_RULES))
    .min(1)
    .refine((rules) => new Set(rules).size === rules.length, { message: 'a rule may appear once' }),
  /** A date chosen at a coarse precision takes the more precise value of a claim that agrees with it (1990 becomes 1990-02-02). */
  refine_compatible: z.boolean(),
});

export const survivorshipSchema = z.object({
  $comment: z.string().optional(),
  fields: z
    .object(Object.fromEntries(REGISTER_FIELDS.map((field) => [field, fieldSurvivorshipSchema])) as Record<RegisterField, typeof fieldSurvivorshipSchema>)
    .strict(),
});

export type FieldSurvivorship = z.infer<typeof fieldSurvivorshipSchema>;
export type Survivorship = z.infer<typeof survivorshipSchema>;

export const DEFAULT_SURVIVORSHIP_FILE = join(REPO_ROOT, 'services', 'shared', 'register', 'survivorship.json');

export function parseSurvivorship(json: unknown, file?: string): Survivorship {
  const result = survivorshipSchema.safeParse(json);
  if (!result.success) throw new ConfigError(`invalid survivorship rules${file === undefined ? '' : ` in ${file}`}: ${zodProblems(result.error)}`);
  return result.data;
}

/** The rules in `file`; the committed default when `file` is empty or not given. */
export function loadSurvivorship(file = ''): Survivorship {
  const path = file || DEFAULT_SURVIVORSHIP_FILE;
  return parseSurvivorship(readJsonFile(path, 'survivorship rules file', 'DANCU_SURVIVORSHIP_RULES'), path);
}

/** One value a source gave for a field, as the history keeps it. */
export interface Claim {
  value: string;
  precision: DatePrecision | null;
  source: string;
  /** Time (ms) of the event that carried the value; 0 for the register's own value. */
  eventTime: number;
  observationId: string;
}

/**
 * What chose the current value: the first rule that told it apart from the runner-up, `only-claim`
 * when nothing competed, `stable-order` when every rule tied (the observation id decides, so the
 * choice never depends on arrival order), `refined-by-compatible` when a more precise agreeing
 * date replaced the chosen one.
 */
export type ChoiceRule = SurvivorshipRule | 'only-claim' | 'stable-order' | 'refined-by-compatible';

export interface Choice {
  claim: Claim;
  rule: ChoiceRule;
}

const PRECISION_RANK: Record<DatePrecision, number> = { YEAR: 1, MONTH: 2, DAY: 3 };

export function authorityRank(rules: FieldSurvivorship, source: string): number {
  const tier = rules.authority.findIndex((sources) => sources.includes(source));
  return tier === -1 ? rules.authority.length : tier;
}

/** How much a value says: a date by its precision, a text by its length with diacritics spelt out (Hoàng says more than Hoang). */
function completeness(claim: Claim): number {
  if (claim.precision) return PRECISION_RANK[claim.precision];
  return claim.value.normalize('NFD').length;
}

/** Positive when `a` should survive over `b` under `rule`, negative when `b` should, 0 when the rule cannot tell. */
function byRule(rules: FieldSurvivorship, rule: SurvivorshipRule, a: Claim, b: Claim): number {
  switch (rule) {
    case 'source-authority':
      return authorityRank(rules, b.source) - authorityRank(rules, a.source);
    case 'recency':
      return a.eventTime - b.eventTime;
    case 'completeness':
      return completeness(a) - completeness(b);
  }
}

/** A total order on claims: the field's rules, then the observation id, so the survivor is the same whatever the arrival order. */
export function compareClaims(rules: FieldSurvivorship, a: Claim, b: Claim): { order: number; rule: ChoiceRule } {
  for (const rule of rules.rules) {
    const order = byRule(rules, rule, a, b);
    if (order !== 0) return { order, rule };
  }
  return { order: a.observationId < b.observationId ? 1 : a.observationId > b.observationId ? -1 : 0, rule: 'stable-order' };
}

export function mayClaim(rules: FieldSurvivorship, source: string): boolean {
  return rules.sources.includes(source);
}

function agrees(a: Claim, b: Claim): boolean {
  return (
    a.precision !== null && b.precision !== null && datesCompatible({ value: a.value, precision: a.precision }, { value: b.value, precision: b.precision })
  );
}

/**
 * The surviving value among every claim ever made on a field: a function of the set of claims
 * alone, so the register ends the same whatever order the events arrived in.
 */
export function chooseValue(rules: FieldSurvivorship, claims: readonly Claim[]): Choice | null {
  const eligible = claims.filter((claim) => mayClaim(rules, claim.source));
  if (eligible.length === 0) return null;
  const sorted = [...eligible].sort((a, b) => compareClaims(rules, b, a).order);
  const winner = sorted[0]!;
  const runnerUp = sorted[1];
  const chosen: Choice = { claim: winner, rule: runnerUp ? compareClaims(rules, winner, runnerUp).rule : 'only-claim' };
  if (!rules.refine_compatible || !winner.precision) return chosen;
  const agreeing = sorted.filter((claim) => agrees(claim, winner));
  const finest = Math.max(...agreeing.map((claim) => PRECISION_RANK[claim.precision!]));
  if (finest <= PRECISION_RANK[winner.precision]) return chosen;
  // Sorted by survival, so the first of the finest precision is the one the rules prefer.
  return { claim: agreeing.find((claim) => PRECISION_RANK[claim.precision!] === finest)!, rule: 'refined-by-compatible' };
}
