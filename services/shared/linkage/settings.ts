import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { readJsonFile, zodProblems } from '../config/json-file.js';
import { ConfigError } from '../errors.js';
import { REPO_ROOT } from '../paths.js';
import { FEATURES, type Feature } from './match-record.js';
import { predicateSchema } from './predicates.js';

const probability = z.number().gt(0).lt(1);

/** One level of a comparison: when it applies, its m and u, and the sentence that explains it. */
export const levelSchema = z.object({
  label: z.string().min(1),
  when: predicateSchema,
  /** A null level (a value missing on either side) weighs nothing either way. */
  is_null: z.boolean().default(false),
  /**
   * The values agree too loosely for `link_requires_agreement`: the level still weighs, but a link
   * needs another comparison of the group to agree (same month of birth, another day: namesakes
   * born weeks apart look like that, and for a newborn the day is always known).
   */
  weak: z.boolean().default(false),
  /**
   * The level is weak, as above, when any of these comparisons is at its else level or at a
   * level `weak` of itself. The default settings use none: twins' consecutive IDs are a
   * never_link rule, and an ID one digit off elsewhere is a typo whatever the name says.
   */
  weak_when_else: z.array(z.string()).optional(),
  m: probability.optional(),
  u: probability.optional(),
  /** Term-frequency adjustment: u is the register frequency of this feature's value (Nguyễn says little, a rare name much). */
  tf_feature: z.enum(FEATURES).optional(),
  sentence: z.string().min(1),
});

export const comparisonSchema = z
  .object({
    name: z.string().min(1),
    levels: z.array(levelSchema).min(2),
  })
  .refine((comparison) => comparison.levels[comparison.levels.length - 1]?.when.op === 'else', {
    message: 'the last level of a comparison must be an else level',
  })
  .refine((comparison) => comparison.levels.filter((level) => !level.is_null).every((level) => level.m !== undefined && level.u !== undefined), {
    message: 'every level that is not a null level needs m and u (run `dancu train`)',
  });

/**
 * The largest block compared under a rule without a max_block_size of its own (the ID) where a
 * register is paired with itself or with a sample to learn from (the duplicate scan, dedupe-csv,
 * the estimation's training sessions): a value hundreds share (a placeholder ID that still looks
 * like one, 001000000000) would pair each of them with every other, a number of pairs that grows
 * with the square of its holders.
 */
export const DEFAULT_MAX_BLOCK = 500;

/** Candidate pairs share all `equal` features of at least one rule, and pass its filter. */
const blockingRuleFields = z.object({
  name: z.string().regex(/^[a-z0-9_]+$/),
  equal: z.array(z.enum(FEATURES)).min(1),
  filter: predicateSchema.optional(),
  /**
   * A key more citizens share than this is generic for the rule (Senzing's word): it finds no
   * candidates, the record's come from its other rules. Keeps a rule's work bounded as the register
   * grows, where a common name or a common date would otherwise bring in a block proportional to it.
   */
  max_block_size: z.number().int().positive().optional(),
  /**
   * When the record's own key finds no citizen under the rule, look up the keys one digit off or
   * with two neighbouring digits swapped as well: an ID typed with one mistake still reaches its
   * holder when the name and date are damaged too, without one more key per citizen in the index.
   * Only when nobody holds the key as typed, so a record never brings in the twin whose ID is one
   * number on from its own holder's. For a rule on one feature whose values are digits.
   */
  typo_lookup: z.literal('one_digit_or_swap').optional(),
  /**
   * For a rule on the personal ID: a record's ID that does not begin with a province code is no
   * one's (a placeholder typed to fill the field, 000000000000) and is not looked up as typed, where
   * thousands of records and register entries share it and every holder would be a candidate,
   * compared without the ID (its level weighs nothing); only its typo variants that begin with a
   * province code are, so an ID mistyped in its first digits still reaches its holder. Applied when
   * looking up, as max_block_size is: the register's keys stay as they are.
   */
  held_ids_only: z.boolean().optional(),
  /**
   * When the record's own key has a holder, look up the keys within this many of it as numbers
   * too: twins and triplets get consecutive ID numbers, and a deterministic link weighs the
   * holder's twin before settling (deterministic_links). For a rule on one feature whose values
   * are digits, like typo_lookup; applied when looking up, as max_block_size is.
   */
  near_lookup: z.number().int().min(1).max(9).optional(),
});

export const blockingRuleSchema = blockingRuleFields
  .refine((rule) => rule.typo_lookup === undefined || rule.equal.length === 1, {
    message: 'typo_lookup needs a rule on one feature',
    path: ['typo_lookup'],
  })
  .refine((rule) => rule.held_ids_only !== true || (rule.equal.length === 1 && rule.equal[0] === 'personal_id'), {
    message: 'held_ids_only needs a rule on personal_id alone',
    path: ['held_ids_only'],
  })
  // A key such a rule is for (an ID) is held by one citizen; a cap would be applied to each of up to
  // 119 lookups, which the sources could not count alike.
  .refine((rule) => rule.typo_lookup === undefined || rule.max_block_size === undefined, {
    message: 'typo_lookup and max_block_size do not go together: a rule with typo lookups is on a key one citizen holds',
    path: ['typo_lookup'],
  })
  .refine((rule) => rule.near_lookup === undefined || (rule.equal.length === 1 && rule.max_block_size === undefined), {
    message: 'near_lookup needs a rule on one feature, without max_block_size',
    path: ['near_lookup'],
  });
const ageBandSchema = z.object({
  name: z.string().min(1),
  under_days: z.number().int().positive(),
  probability_record_in_register: probability,
});

export const settingsSchema = z
  .object({
    version: z.literal(1),
    description: z.string().default(''),
    /**
     * Prior: probability that a record is about someone in the register. The prior for one
     * (record, citizen) pair is this divided by the register's size, taken when linking, so the
     * same settings serve a test register of thousands and the national one of millions.
     */
    probability_record_in_register: probability,
    /**
     * Priors of their own for records whose person is younger than a band's `under_days` on the
     * reference day (age-prior.ts): the first band the record's age falls in gives its
     * probability_record_in_register. Estimated as the global prior is, from the records in the band.
     */
    prior_by_age: z.array(ageBandSchema).default([]),
    blocking_rules: z.array(blockingRuleSchema).min(1),
    comparisons: z.array(comparisonSchema).min(1),
    /** Lowest u a term-frequency adjustment may give (a value seen once in a small register is not proof). */
    tf_minimum_u: probability.default(1e-5),
    thresholds: z
      .object({
        link_probability: probability,
        review_probability: probability,
        /** The best candidate must beat the runner-up by this match weight (bits) to be linked. */
        min_margin_weight: z.number().min(0),
        /**
         * Decide on the best candidate's probability against all of the record's candidates
         * (scoring.ts posteriorOfFirst) rather than on its pair probability alone: in a register of
         * millions, namesakes born the same day are ordinary, and each probable one is a reason to doubt the best.
         */
        posterior_over_candidates: z.boolean().optional(),
        /**
         * Higher link thresholds for the links of a kind: those whose best candidate has every
         * `null_comparisons` comparison at a null level (no ID weighed: the record has none or a
         * placeholder, the citizen has none, or the ID was set aside as a guardian's) and, when
         * given, `when` holding for the record and that candidate. Such a link rests on name,
         * date of birth and address, which namesakes share more often the larger the register, so
         * it asks for more certainty. Below the rule's threshold (and at or above
         * review_probability) the record goes to review with the rule's sentence. The first rule
         * that holds decides; one that asks less than link_probability changes nothing. Sector
         * records' links only: the duplicate scan between citizens keeps link_probability.
         * Optional, not defaulted, so that settings written before it keep their version
         * (settings-version.ts).
         */
        stricter_links: z
          .array(
            z
              .object({
                name: z.string().regex(/^[a-z0-9_]+$/),
                null_comparisons: z.array(z.string()).optional(),
                when: predicateSchema.optional(),
                link_probability: probability,
                sentence: z.string().min(1),
              })
              .refine((rule) => (rule.null_comparisons?.length ?? 0) > 0 || rule.when !== undefined, {
                message: 'a stricter_links rule needs null_comparisons or when',
              }),
          )
          .optional(),
      })
      .refine((t) => t.review_probability <= t.link_probability, { message: 'review_probability must not exceed link_probability' }),
    /**
     * Groups of comparisons of which one must agree (a level neither null nor else), unless all
     * are null, for a link: a twin with another given name and no ID, or a grandchild with the
     * grandparent's name at the same address, goes to review, not to the register.
     */
    link_requires_agreement: z.array(z.array(z.string()).min(1)).default([]),
    /** Comparisons whose disagreement together forbids a link whatever the total (an ID typo landing on another person). */
    contradiction_guard: z.object({ identifier: z.string(), contradicting: z.array(z.string()).min(1) }).optional(),
    /**
     * A guardian's ID: the record's ID agrees with a candidate whose `disagreeing` comparisons
     * all disagree outright and for whom `when` holds (another generation of the record's family:
     * a parent's ID on a child's vaccination; a mother of another family name in the commune the
     * record names, whose ID's digits are not one typo from the record's own; or a brother or
     * sister in the same commune, born in the year the ID's digits give and not in the record's). That candidate
     * is never linked; the ID is not evidence against the other candidates (the `identifier`
     * comparison is at its null level for them), nor does it make the record a contradicted ID.
     */
    guardian_id: z
      .object({
        identifier: z.string(),
        /** Comparisons that must be at their else level too: the same person with a mistyped year is not a guardian. */
        disagreeing: z.array(z.string()).default([]),
        when: predicateSchema,
      })
      .optional(),
    /**
     * Pairs never linked (nor called duplicates) whatever their score: they go to a steward with
     * the rule's sentence. Twins: consecutive IDs (numbers_near) and given names that differ,
     * even by a letter (Hải and Hà), however much else agrees, whatever the family names say (one
     * may be mistyped).
     */
    never_link: z
      .array(
        z.object({
          name: z.string().regex(/^[a-z0-9_]+$/),
          when: predicateSchema,
          sentence: z.string().min(1),
          /**
           * Whether the rule holds between two register citizens too (the duplicate scan, a
           * merge); true when absent. False for a rule on what a sector record's ID says: two
           * citizens registered twice each hold an ID of their own, as two people do.
           */
          between_citizens: z.boolean().optional(),
        }),
      )
      .default([]),
    /**
     * Links decided without weighing the record's namesakes: a candidate that shares the record's
     * key under `blocking_rule` and whose every named comparison stands at one of the named levels
     * (by label; a comparison not named may stand anywhere) is linked, when it is the only
     * candidate that does and the engine, weighing the record against it and the holders of the
     * key's near keys (near_lookup: a twin's consecutive ID), links the record to it (the guards,
     * never_link and the thresholds still apply). The other rules' blocks are then never looked
     * up: an ID whose holder agrees exactly on name and date of birth settles who the record is,
     * however many namesakes share the name. The blocking rule may have no filter and no cap, so
     * that a lookup's first step finds every candidate the rule weighs. Optional, not defaulted,
     * so that settings written before it keep their version (settings-version.ts).
     */
    deterministic_links: z
      .array(
        z.object({
          name: z.string().regex(/^[a-z0-9_]+$/),
          blocking_rule: z.string(),
          levels: z.record(z.string(), z.array(z.string()).min(1)).refine((levels) => Object.keys(levels).length > 0, {
            message: 'a deterministic link names at least one comparison',
          }),
          sentence: z.string().min(1),
        }),
      )
      .optional(),
    /** EM sessions of `dancu train`: pairs sharing `block_on`; m is not estimated for the `skip` comparisons in that session. */
    training_sessions: z.array(z.object({ block_on: z.array(z.enum(FEATURES)).min(1), skip: z.array(z.string()) })).min(1),
    training: z.record(z.string(), z.unknown()).default({}),
  })
  .superRefine((settings, context) => {
    const names = new Set(settings.comparisons.map((c) => c.name));
    const guard = settings.contradiction_guard;
    const guardian = settings.guardian_id?.identifier;
    const conditions = settings.comparisons.flatMap((c) => c.levels.flatMap((level) => level.weak_when_else ?? []));
    const named = [
      ...(guard ? [guard.identifier, ...guard.contradicting] : []),
      ...(settings.guardian_id ? [settings.guardian_id.identifier, ...settings.guardian_id.disagreeing] : []),
      ...settings.link_requires_agreement.flat(),
      ...(settings.thresholds.stricter_links ?? []).flatMap((rule) => rule.null_comparisons ?? []),
      ...conditions,
      ...settings.training_sessions.flatMap((session) => session.skip),
    ];
    for (const name of named) {
      if (!names.has(name)) context.addIssue({ code: 'custom', message: `the settings name unknown comparison ${name}` });
    }
    // A name is how explanations, the blocking keys' rule column and the guards find a thing: two of one name would be read as one.
    const namedLists: [string, readonly { name: string }[]][] = [
      ['comparison', settings.comparisons],
      ['blocking rule', settings.blocking_rules],
      ['prior_by_age band', settings.prior_by_age],
      ['stricter_links rule', settings.thresholds.stricter_links ?? []],
      ['never_link rule', settings.never_link],
      ['deterministic link', settings.deterministic_links ?? []],
    ];
    for (const [what, list] of namedLists) {
      const seen = new Set<string>();
      for (const { name } of list) {
        if (seen.has(name)) context.addIssue({ code: 'custom', message: `the settings name two of ${what} ${name}: each needs a name of its own` });
        seen.add(name);
      }
    }
    settings.prior_by_age.forEach((band, i) => {
      const before = settings.prior_by_age[i - 1];
      if (before && before.under_days >= band.under_days)
        context.addIssue({ code: 'custom', message: `prior_by_age band ${band.name} must be older than ${before.name}: bands go from the youngest up` });
    });
    for (const rule of settings.deterministic_links ?? []) {
      const blocking = settings.blocking_rules.find((candidate) => candidate.name === rule.blocking_rule);
      if (!blocking) context.addIssue({ code: 'custom', message: `deterministic link ${rule.name} names unknown blocking rule ${rule.blocking_rule}` });
      // The first step must find every candidate that shares the key: a filter or a cap would leave some to the second.
      else if (blocking.filter !== undefined || blocking.max_block_size !== undefined)
        context.addIssue({ code: 'custom', message: `deterministic link ${rule.name} needs blocking rule ${blocking.name} without filter and max_block_size` });
      for (const [name, labels] of Object.entries(rule.levels)) {
        const comparison = settings.comparisons.find((c) => c.name === name);
        if (!comparison) {
          context.addIssue({ code: 'custom', message: `deterministic link ${rule.name} names unknown comparison ${name}` });
          continue;
        }
        for (const label of labels) {
          if (!comparison.levels.some((level) => level.label === label))
            context.addIssue({ code: 'custom', message: `deterministic link ${rule.name} names unknown level ${label} of comparison ${name}` });
        }
      }
    }
    const silenced = settings.comparisons.find((c) => c.name === guardian);
    if (silenced && !silenced.levels.some((level) => level.is_null)) {
      context.addIssue({ code: 'custom', message: `guardian_id.identifier ${silenced.name} needs a null level to stand at for the other candidates` });
    }
  });

export type LinkageSettings = z.infer<typeof settingsSchema>;
export type ComparisonSettings = z.infer<typeof comparisonSchema>;
export type LevelSettings = z.infer<typeof levelSchema>;
export type BlockingRule = z.infer<typeof blockingRuleSchema>;
export type AgeBand = z.infer<typeof ageBandSchema>;

/**
 * The settings with only the blocking rules `keep` holds (those the register has keys for), and
 * without the deterministic links that name another: a link whose blocking rule is not looked up
 * could settle no record, and settings naming a rule they lack are refused.
 */
export function keepingBlockingRules(settings: LinkageSettings, keep: (rule: BlockingRule) => boolean): LinkageSettings {
  const blocking_rules = settings.blocking_rules.filter(keep);
  const names = new Set(blocking_rules.map((rule) => rule.name));
  const deterministic_links = settings.deterministic_links?.filter((link) => names.has(link.blocking_rule));
  return { ...settings, blocking_rules, ...(deterministic_links === undefined ? {} : { deterministic_links }) };
}

const TF_FEATURES = new WeakMap<LinkageSettings, Feature[]>();

/** The features whose register frequencies the settings' term-frequency levels need (worked out once per settings). */
export function tfFeatures(settings: LinkageSettings): Feature[] {
  let features = TF_FEATURES.get(settings);
  if (!features) {
    features = [...new Set(settings.comparisons.flatMap((c) => c.levels.flatMap((level) => (level.tf_feature ? [level.tf_feature] : []))))];
    TF_FEATURES.set(settings, features);
  }
  return features;
}

export const DEFAULT_SETTINGS_FILE = join(REPO_ROOT, 'services', 'shared', 'linkage', 'default-settings.json');

/** Settings as parsed JSON, checked; `file`, when they come from one, is named in the error. */
export function parseSettings(json: unknown, file?: string): LinkageSettings {
  const result = settingsSchema.safeParse(json);
  if (!result.success) throw new ConfigError(`invalid linkage settings${file === undefined ? '' : ` in ${file}`}: ${zodProblems(result.error)}`);
  return result.data;
}

/** The settings in `file`; the committed default when `file` is empty or not given. */
export function loadSettings(file = ''): LinkageSettings {
  const path = file || DEFAULT_SETTINGS_FILE;
  return parseSettings(readJsonFile(path, 'linkage settings file', '--settings or DANCU_LINKAGE_SETTINGS'), path);
}

export function saveSettings(settings: LinkageSettings, file: string): void {
  writeFileSync(file, `${JSON.stringify(settingsSchema.parse(settings), null, 2)}\n`);
}
