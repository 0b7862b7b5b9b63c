import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pairAccuracyOf } from '../../services/bench/accuracy-metrics.js';
import { inMemoryLinkage } from '../../services/shared/linkage/batch-linkage.js';
import { dedupePairs } from '../../services/shared/linkage/dedupe.js';
import { toMatchRecord, type RawPerson } from '../../services/shared/linkage/match-record.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { dedupeCsv } from '../../services/shared/linkage-io/dedupe-csv.js';
import { citizenCsvLine, generatePopulation, POPULATION_CSV_HEADER } from '../../services/shared/synth/population.js';

const settings = loadSettings();
const background = generatePopulation(1500, 17).map((c) => toMatchRecord(c.citizen_id, c));
const hai: RawPerson = { personal_id: '001085004321', full_name: 'Phan Văn Hải', date_of_birth: '1985-03-07', sex: 'M', address: 'Số 9 Trần Phú, Hà Nội' };

function scan(entries: [string, RawPerson][]) {
  const { engine, source } = inMemoryLinkage(settings, [...background, ...entries.map(([id, p]) => toMatchRecord(id, p))]);
  return [...dedupePairs(engine, source)].filter((pair) => !pair.a.match(/^\d/) || !pair.b.match(/^\d/));
}

describe('the register scanned against itself', () => {
  it('reports a person registered twice as one duplicate pair', () => {
    const pairs = scan([
      ['D1', hai],
      ['D2', { ...hai, full_name: 'PHAN VAN HAI' }],
    ]);
    expect(pairs.map((p) => [p.a, p.b, p.decision])).toEqual([['D1', 'D2', 'duplicate']]);
  });

  it('reports a person registered twice under two IDs of his own as a duplicate: the own_ids rule is for sector records only', () => {
    const pairs = scan([
      ['D1', hai],
      ['D2', { ...hai, personal_id: '079085123987' }],
    ]);
    expect(pairs.map((p) => [p.a, p.b, p.decision])).toEqual([['D1', 'D2', 'duplicate']]);
  });

  it('never pairs an entry with itself', () => {
    expect(scan([['D1', hai]])).toEqual([]);
  });

  it('does not call twins duplicates', () => {
    const pairs = scan([
      ['D1', hai],
      ['D2', { ...hai, personal_id: '001085004322', full_name: 'Phan Văn Dũng' }],
    ]);
    expect(pairs.filter((p) => p.decision === 'duplicate')).toEqual([]);
  });

  it('does not call twins duplicates whose given names are a letter apart and alike (Hải and Hà) on consecutive IDs', () => {
    const pairs = scan([
      ['D1', hai],
      ['D2', { ...hai, personal_id: '001085004322', full_name: 'Phan Văn Hà' }],
    ]);
    expect(pairs.filter((p) => p.decision === 'duplicate')).toEqual([]);
  });

  it('does not call twins duplicates whose given names differ in their first letter (Hải and Tài) on consecutive IDs', () => {
    const pairs = scan([
      ['D1', hai],
      ['D2', { ...hai, personal_id: '001085004322', full_name: 'Phan Văn Tài' }],
    ]);
    expect(pairs.filter((p) => p.decision === 'duplicate')).toEqual([]);
  });
});

describe('the register scanned against itself, with IDs mistyped once', () => {
  // The family name mistyped, the day and month swapped and no address: no key but the ID's is near.
  const mistyped: RawPerson = { personal_id: '001085004391', full_name: 'Phn Văn Hải', date_of_birth: '1985-07-03', sex: 'M', address: null };
  const pairsOf = (pairs: { a: string; b: string }[]) => pairs.map((p) => `${p.a}-${p.b}`).sort();

  it('reports once a pair whose IDs are a digit apart and who share no other key', () => {
    expect(
      pairsOf(
        scan([
          ['D1', hai],
          ['D2', mistyped],
        ]),
      ),
    ).toEqual(['D1-D2']);
  });

  it('reports the pairs of an entry whose ID is a digit off the ID two earlier entries share, each once', () => {
    const pairs = scan([
      ['D1', hai],
      ['D2', { ...hai, full_name: 'PHAN VAN HAI' }],
      ['D3', mistyped],
    ]);
    expect(pairsOf(pairs)).toEqual(['D1-D2', 'D1-D3', 'D2-D3']);
  });

  it('reports the pairs of an entry whose ID is a digit off the ID two later entries share, each once', () => {
    const pairs = scan([
      ['D1', mistyped],
      ['D2', hai],
      ['D3', { ...hai, full_name: 'PHAN VAN HAI' }],
    ]);
    expect(pairsOf(pairs)).toEqual(['D1-D2', 'D1-D3', 'D2-D3']);
  });
});

describe('deduplication scored on pairs', () => {
  const entity = (id: string) => id.slice(0, 1);

  it('counts every pair of one entity as a true pair, those blocking missed too', () => {
    const a = pairAccuracyOf([{ a: 'A1', b: 'A2', decision: 'duplicate', score: 0.99 }], ['A1', 'A2', 'A3', 'B1'], entity);
    expect([a.truePairs, a.trueDuplicates, a.recall]).toEqual([3, 1, 1 / 3]);
  });

  it('gives the pairs that grouping implies: A1 = A2 and A2 = A3 make A1 = A3', () => {
    const a = pairAccuracyOf(
      [
        { a: 'A1', b: 'A2', decision: 'duplicate', score: 0.99 },
        { a: 'A2', b: 'A3', decision: 'duplicate', score: 0.99 },
      ],
      ['A1', 'A2', 'A3'],
      entity,
    );
    expect([a.recall, a.grouped.recall, a.grouped.precision]).toEqual([2 / 3, 1, 1]);
  });

  it('counts a pair sent to review as neither true nor false', () => {
    const a = pairAccuracyOf([{ a: 'A1', b: 'B1', decision: 'review', score: 0.6 }], ['A1', 'B1'], entity);
    expect([a.reviews, a.duplicates, a.precision]).toEqual([1, 0, 1]);
  });
});

describe('dedupe-csv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dancu-dedupe-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the pairs file of the contract: citizen_id_a,citizen_id_b,decision,score', async () => {
    const register = join(dir, 'register.csv');
    const out = join(dir, 'pairs.csv');
    writeFileSync(
      register,
      'citizen_id,personal_id,full_name,date_of_birth,sex,address\n' +
        'C1,001085004321,Phan Văn Hải,1985-03-07,M,"Số 9 Trần Phú, Hà Nội"\n' +
        'C2,001085004321,PHAN VAN HAI,1985-03-07,M,"So 9 Tran Phu, Ha Noi"\n' +
        'C3,079190001111,Lê Thị Thu,1990-12-01,F,"Số 2 Lý Thường Kiệt, Huế"\n',
    );
    const report = await dedupeCsv({ register, out, settings, estimate: false });
    expect(readFileSync(out, 'utf8').split('\n').slice(0, 2)).toEqual([
      'citizen_id_a,citizen_id_b,decision,score',
      expect.stringMatching(/^C1,C2,duplicate,(0\.9\d+|1\.0+)$/),
    ]);
    expect(report.pairs).toEqual({ duplicate: 1, review: 0 });
  });

  describe('with a placeholder ID that 600 entries carry, one that looks like an ID', () => {
    const register = join(dir, 'placeholder.csv');
    const out = join(dir, 'placeholder-pairs.csv');
    const holders = generatePopulation(600, 29).map((c) => ({ ...c, personal_id: '001000000000' }));
    writeFileSync(
      register,
      [
        POPULATION_CSV_HEADER,
        ...holders.map(citizenCsvLine),
        'C1,Phan Văn Hải,1985-03-07,M,"Số 9 Trần Phú, Hà Nội",001085004321',
        'C2,PHAN VAN HAI,1985-03-07,M,"So 9 Tran Phu, Ha Noi",001085004321',
      ].join('\n') + '\n',
    );
    const scanned = dedupeCsv({ register, out, settings, estimate: false });

    it('counts the lookups of its block, which the duplicate scan leaves out too', async () => {
      expect((await scanned).generic).toEqual({ personal_id: 600 });
    });

    it('still finds beside it a person registered twice', async () => {
      await scanned;
      expect(readFileSync(out, 'utf8')).toMatch(/^C1,C2,duplicate,/m);
    });
  });

  it("counts an entry's generic key once, also when an entry whose ID is one typo from its own looks it up again", async () => {
    const register = join(dir, 'generic-once.csv');
    // Sixty namesakes of one family born on one day: their dob_family key is held by more than its bound of 50.
    const sameDay = Array.from({ length: 60 }, (_, i) => {
      const given = `Tên${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`;
      return `N${i},Nguyễn Văn ${given},1990-01-01,M,,0010900${String(10000 + i * 7)}`;
    });
    // Her ID is the first namesake's with its last digit mistyped, so each is the other's typo lookup.
    const other = 'T1,Lê Thị Thu,1975-06-30,F,,001090010009';
    writeFileSync(register, [POPULATION_CSV_HEADER, ...sameDay, other].join('\n') + '\n');
    const report = await dedupeCsv({ register, out: join(dir, 'generic-once-pairs.csv'), settings, estimate: false });
    expect(report.generic).toEqual({ dob_family: 60 });
  });
});
