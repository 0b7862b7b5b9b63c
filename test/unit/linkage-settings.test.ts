import { describe, expect, it } from 'vitest';
import { loadSettings, parseSettings, settingsSchema } from '../../services/shared/linkage/settings.js';

describe('linkage settings', () => {
  const settings = loadSettings();

  it('loads the committed default settings file', () => {
    expect(settings.comparisons.map((c) => c.name)).toEqual(['personal_id', 'full_name', 'date_of_birth', 'sex', 'address', 'area']);
  });

  it('round-trips through JSON unchanged', () => {
    expect(parseSettings(JSON.parse(JSON.stringify(settings)))).toEqual(settings);
  });

  it('refuses a comparison whose last level is not an else level', () => {
    const broken = structuredClone(settings);
    broken.comparisons[3]!.levels.pop();
    expect(() => parseSettings(broken)).toThrow(/else level/);
  });

  it('refuses a level with an unknown feature', () => {
    const broken = JSON.parse(JSON.stringify(settings));
    broken.comparisons[0].levels.find((level: { label: string }) => level.label === 'exact').when.feature = 'shoe_size';
    expect(() => parseSettings(broken)).toThrow(/invalid linkage settings/);
  });

  it('refuses a guard that names a comparison that does not exist', () => {
    expect(() => parseSettings({ ...settings, link_requires_agreement: [['nickname']] })).toThrow(/unknown comparison nickname/);
  });

  it("refuses a guardian's-ID rule on an unknown comparison, or on one with no null level to stand at", () => {
    expect(() => parseSettings({ ...settings, guardian_id: { ...settings.guardian_id!, identifier: 'passport' } })).toThrow(/unknown comparison passport/);
    expect(() => parseSettings({ ...settings, guardian_id: { ...settings.guardian_id!, disagreeing: ['nickname'] } })).toThrow(/unknown comparison nickname/);
    const noNull = structuredClone(settings);
    noNull.comparisons[0]!.levels = noNull.comparisons[0]!.levels.filter((level) => !level.is_null);
    expect(() => parseSettings(noNull)).toThrow(/needs a null level/);
  });

  /** What the settings check says of these settings, message by message; none when it accepts them. */
  const problems = (json: unknown) => {
    const result = settingsSchema.safeParse(json);
    return result.success ? [] : result.error.issues.map((issue) => issue.message);
  };

  it('refuses two comparisons of one name, which explanations and guards would read as one', () => {
    const twice = structuredClone(settings);
    twice.comparisons.push({ ...structuredClone(twice.comparisons[3]!) });
    expect(problems(twice)).toEqual(['the settings name two of comparison sex: each needs a name of its own']);
  });

  it('refuses two blocking rules of one name, whose keys would share a rule in the register', () => {
    const twice = structuredClone(settings);
    twice.blocking_rules.push({ ...structuredClone(twice.blocking_rules[1]!), equal: ['given_key', 'dob'] });
    expect(problems(twice)).toEqual([`the settings name two of blocking rule ${settings.blocking_rules[1]!.name}: each needs a name of its own`]);
  });

  it('refuses two age bands of one name', () => {
    const twice = structuredClone(settings);
    twice.prior_by_age.push({ ...twice.prior_by_age[0]!, under_days: twice.prior_by_age[0]!.under_days * 2 });
    expect(problems(twice)).toEqual(['the settings name two of prior_by_age band infants: each needs a name of its own']);
  });

  it('refuses two stricter link rules of one name', () => {
    const twice = structuredClone(settings);
    twice.thresholds.stricter_links!.push({ ...structuredClone(twice.thresholds.stricter_links![0]!) });
    expect(problems(twice)).toEqual([
      `the settings name two of stricter_links rule ${settings.thresholds.stricter_links![0]!.name}: each needs a name of its own`,
    ]);
  });

  it('refuses two never-link rules of one name', () => {
    const twice = structuredClone(settings);
    twice.never_link.push({ ...structuredClone(twice.never_link[1]!), name: twice.never_link[0]!.name });
    expect(problems(twice)).toEqual([`the settings name two of never_link rule ${settings.never_link[0]!.name}: each needs a name of its own`]);
  });

  it('refuses a training session that skips a comparison that does not exist', () => {
    expect(problems({ ...settings, training_sessions: [{ block_on: ['dob'], skip: ['nickname'] }] })).toEqual([
      'the settings name unknown comparison nickname',
    ]);
  });

  it("refuses a guardian's-ID generation gap that is not a whole number of years", () => {
    const broken = JSON.parse(JSON.stringify(settings));
    broken.guardian_id.when = { op: 'birth_years_apart', at_least: 0.5 };
    expect(() => parseSettings(broken)).toThrow(/guardian_id/);
  });
});
