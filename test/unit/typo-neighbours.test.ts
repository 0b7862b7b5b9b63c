import { describe, expect, it } from 'vitest';
import { InMemoryCandidateSource } from '../../services/shared/linkage/in-memory-candidates.js';
import { toMatchRecord } from '../../services/shared/linkage/match-record.js';
import type { BlockingRule } from '../../services/shared/linkage/settings.js';
import { TypoNeighbours } from '../../services/shared/linkage/typo-neighbours.js';
import { isNoOnesId } from '../../services/shared/normalise/personal-id.js';
import { SeededRandom } from '../../services/shared/random.js';

const neighboursOf = (entries: [key: string, entry: string][]): TypoNeighbours => {
  const neighbours = new TypoNeighbours();
  for (const [key, entry] of entries) neighbours.add(key, entry);
  return neighbours;
};
const pairsOf = (entries: [key: string, entry: string][], maxHolders?: number): string[] =>
  [...new Set([...neighboursOf(entries).pairs(maxHolders)].map(([a, b]) => `${a}|${b}`))].sort();

describe('pairs of register entries one typo apart on a key', () => {
  it('pairs two entries whose IDs differ in one digit, once, the smaller entry first', () => {
    expect([
      ...neighboursOf([
        ['001090004321', 'Z'],
        ['001090004329', 'A'],
      ]).pairs(),
    ]).toEqual([['A', 'Z']]);
  });

  it('pairs nobody with the holders of a key held by more entries than the bound', () => {
    const entries: [string, string][] = [
      ['000000000000', 'A'],
      ['000000000000', 'B'],
      ['000000000000', 'C'],
      ['000000000001', 'D'],
    ];
    expect({ bounded: pairsOf(entries, 2), unbounded: pairsOf(entries) }).toEqual({ bounded: [], unbounded: ['A|D', 'B|D', 'C|D'] });
  });

  it('pairs two entries whose IDs have two neighbouring digits swapped', () => {
    expect(
      pairsOf([
        ['001090004321', 'A'],
        ['001090004312', 'B'],
      ]),
    ).toEqual(['A|B']);
  });

  it('pairs nobody whose IDs differ in two digits', () => {
    expect(
      pairsOf([
        ['001090004321', 'A'],
        ['001090004399', 'B'],
      ]),
    ).toEqual([]);
  });

  it('leaves out the two holders of one ID, which the plain key pairs, but pairs both with a lone ID one typo away', () => {
    expect(
      pairsOf([
        ['001090004321', 'A'],
        ['001090004321', 'B'],
        ['001090004322', 'C'],
      ]),
    ).toEqual(['A|C', 'B|C']);
  });

  it('gives no pair between two IDs both held twice, since neither is looked up', () => {
    const entries: [string, string][] = [
      ['001090004321', 'A'],
      ['001090004321', 'B'],
      ['001090004322', 'C'],
      ['001090004322', 'D'],
    ];
    expect(pairsOf(entries)).toEqual([]);
  });

  it('counts an entry added twice with the same key as one holder', () => {
    expect(
      pairsOf([
        ['001090004321', 'A'],
        ['001090004321', 'A'],
        ['001090004322', 'B'],
      ]),
    ).toEqual(['A|B']);
  });

  it('pairs no two IDs one typo apart of which neither is looked up (placeholders, for a rule on held IDs only)', () => {
    const entries: [string, string][] = [
      ['000000000000', 'A'],
      ['000000000001', 'B'],
    ];
    const heldOnly = (key: string) => !isNoOnesId(key);
    expect({ heldOnly: [...neighboursOf(entries).pairs(Infinity, heldOnly)], every: pairsOf(entries) }).toEqual({ heldOnly: [], every: ['A|B'] });
  });

  it('still pairs a placeholder with a held ID one typo from it, which its lookup of variants finds', () => {
    const entries: [string, string][] = [
      ['000000000000', 'A'],
      ['001000000000', 'C'],
    ];
    expect([...neighboursOf(entries).pairs(Infinity, (key) => !isNoOnesId(key))]).toEqual([['A', 'C']]);
  });

  it('finds the pairs dedupe-csv finds through typo lookups, on random IDs with planted typos and shared IDs', () => {
    const random = new SeededRandom(31);
    const digits = (n: number) => Array.from({ length: n }, () => random.int(0, 9)).join('');
    const ids: string[] = [];
    for (let i = 0; i < 400; i += 1) {
      const base = `0010${digits(8)}`;
      ids.push(base);
      const at = random.int(0, 11);
      if (random.next() < 0.3) ids.push(`${base.slice(0, at)}${(Number(base[at]) + 1) % 10}${base.slice(at + 1)}`);
      if (random.next() < 0.1) ids.push(base);
      if (random.next() < 0.1 && at < 11 && base[at] !== base[at + 1]) ids.push(`${base.slice(0, at)}${base[at + 1]}${base[at]}${base.slice(at + 2)}`);
    }
    const entries = ids.map((id, i): [string, string] => [id, `E${String(i).padStart(4, '0')}`]);
    const rule: BlockingRule = { name: 'personal_id', equal: ['personal_id'], typo_lookup: 'one_digit_or_swap' };
    const register = entries.map(([id, entry]) =>
      toMatchRecord(entry, { personal_id: id, full_name: 'Nguyễn Văn An', date_of_birth: null, sex: null, address: null }),
    );
    const source = new InMemoryCandidateSource([rule], register);
    const expected = new Set<string>();
    register.forEach((record, i) => {
      const throughTypos: number[] = [];
      source.candidateIndexes(record, { entry: i, throughTypos });
      for (const j of throughTypos) expected.add([record.id, register[j]!.id].sort().join('|'));
    });
    expect(expected.size).toBeGreaterThan(100);
    expect(pairsOf(entries)).toEqual([...expected].sort());
  });
});
