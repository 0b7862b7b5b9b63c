import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../services/shared/random.js';
import { idRules, lookedUpKeys, recordKeysOf, sharesEnoughWith, type BlockingKey } from '../../services/shared/store/plan/record-keys.js';
import type { LinkageSettings } from '../../services/shared/linkage/settings.js';
import { CONTEXT, observation } from '../fixtures/link-decisions.js';

const { settings } = CONTEXT;

/** The rule as first written: every shared key of the record's that a lookup asks for, counted. */
function sharesEnoughByCounting(s: LinkageSettings, a: readonly BlockingKey[], b: readonly BlockingKey[]): boolean {
  const ids = new Set(idRules(s));
  const theirs = new Set(b.map((k) => `${k.rule}\u0000${k.key}`));
  const shared = lookedUpKeys(s, a).filter((k) => theirs.has(`${k.rule}\u0000${k.key}`));
  return shared.length >= 2 || shared.some((k) => ids.has(k.rule));
}

describe("whether a record and a citizen share enough keys, the record's side worked out once", () => {
  const rules = settings.blocking_rules.map((rule) => rule.name);
  const random = new SeededRandom(49);
  // Few values per rule, so that sets drawn at random share keys often; repeats in a set included.
  const keySet = (): BlockingKey[] =>
    Array.from({ length: random.int(0, 6) }, () => ({ rule: rules[random.int(0, rules.length - 1)]!, key: `v${random.int(0, 2)}` }));

  it('answers as counting the shared keys does, for 5,000 pairs of key sets drawn at random', () => {
    const pairs = Array.from({ length: 5_000 }, () => [keySet(), keySet()] as const);
    const answers = pairs.map(([a, b]) => sharesEnoughWith(settings, a)(b));
    expect(answers).toEqual(pairs.map(([a, b]) => sharesEnoughByCounting(settings, a, b)));
    expect(new Set(answers)).toEqual(new Set([true, false]));
  });
});

describe("a record's keys worked out once per observation", () => {
  const record = observation({
    person: { personal_id: null, full_name: 'Đỗ Thu Hà', family_name: 'Đỗ', middle_name: 'Thu', given_name: 'Hà', name_key: 'do thu ha' },
  });

  it('gives the keys of the settings asked with, whichever settings asked first', () => {
    const renamedRules = { ...settings, blocking_rules: settings.blocking_rules.map((rule) => ({ ...rule, name: `v2_${rule.name}` })) };
    const first = recordKeysOf(settings, record);
    const renamed = recordKeysOf(renamedRules, record);
    expect([first.length > 0, first.every((k) => !k.rule.startsWith('v2_')), renamed.every((k) => k.rule.startsWith('v2_'))]).toEqual([true, true, true]);
  });

  it('gives a copy of the observation under another name the keys of that name', () => {
    recordKeysOf(settings, record);
    const renamed = { ...record, person: { ...record.person, full_name: 'Đỗ Thu Hằng', given_name: 'Hằng', name_key: 'do thu hang' } };
    const byName = (keys: readonly BlockingKey[]) => keys.find((k) => k.rule === 'name_birth_year')?.key;
    expect(byName(recordKeysOf(settings, renamed))).not.toEqual(byName(recordKeysOf(settings, record)));
  });
});
