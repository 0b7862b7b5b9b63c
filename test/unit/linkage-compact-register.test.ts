import levenshtein from 'fast-levenshtein';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvRowParser } from '../../services/shared/csv-rows.js';
import { CompactRegister, FieldNumbers, UNREADABLE_DATE, UNREADABLE_SEX } from '../../services/shared/linkage/compact-register.js';
import { estimateParameters } from '../../services/shared/linkage/estimate.js';
import { InMemoryCandidateSource } from '../../services/shared/linkage/in-memory-candidates.js';
import { blockingKey, typoVariants } from '../../services/shared/linkage/blocking.js';
import { MatchRecordReader, toMatchRecord, type MatchRecord } from '../../services/shared/linkage/match-record.js';
import { withinEdits } from '../../services/shared/linkage/predicates.js';
import { RecordSample } from '../../services/shared/linkage/record-sample.js';
import { TermFrequencies } from '../../services/shared/linkage/term-frequencies.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { generateLinkageSet } from '../../services/shared/synth/linkage-set.js';

const set = generateLinkageSet({ population: 3000, records: 600, absentShare: 0.15, seed: 31 });
const register = set.population.map((citizen) => toMatchRecord(citizen.citizen_id, citizen));
const records = set.records.map((record) => toMatchRecord(record.record_id, record));
const settings = loadSettings();

/**
 * The candidates as the index of strings before the compact register found them: every citizen
 * sharing a rule's key, or, for a rule with typo lookups whose key nobody holds, one of its variants.
 */
function naiveCandidates(record: MatchRecord): string[] {
  const found = new Set<string>();
  for (const rule of settings.blocking_rules) {
    const key = blockingKey(rule, record);
    if (key === null) continue;
    const holders = register.filter((citizen) => blockingKey(rule, citizen) === key);
    const variants = new Set(holders.length === 0 && rule.typo_lookup ? typoVariants(key) : []);
    const nearHolders = register.filter((citizen) => variants.has(blockingKey(rule, citizen) ?? ''));
    for (const citizen of [...holders, ...nearHolders]) found.add(citizen.id);
  }
  return [...found].sort();
}

describe('the compact register', () => {
  it('gives back each citizen as the match record that was added', () => {
    const columns = CompactRegister.of(register);
    expect(register.map((_, i) => columns.get(i))).toEqual(register);
  });

  it('reads a citizen from raw fields as toMatchRecord does', () => {
    const columns = new CompactRegister();
    const fields = new FieldNumbers();
    set.population.forEach((citizen) => columns.addPerson(citizen.citizen_id, citizen, fields));
    expect(register.map((_, i) => columns.get(i))).toEqual(register);
  });

  it('finds every citizen that shares a blocking key with a record, and no other', () => {
    const source = new InMemoryCandidateSource(settings.blocking_rules, register);
    expect(
      records.map((record) =>
        source
          .candidatesOf(record)
          .map((c) => c.id)
          .sort(),
      ),
    ).toEqual(records.map(naiveCandidates));
  });

  it('gives back citizens whose IDs are not digits or have leading zeros as the match records that were added', () => {
    const people = [
      toMatchRecord('C-7', { personal_id: '001090004321', full_name: 'Phan Văn Hải', date_of_birth: '1990-03-12', sex: 'M', address: 'Số 8 Trần Phú' }),
      toMatchRecord('0042', { personal_id: 'none', full_name: 'Phan Văn Hà', date_of_birth: null, sex: null, address: null }),
    ];
    const columns = CompactRegister.of(people);
    expect(people.map((_, i) => columns.get(i))).toEqual(people);
  });

  it('says which fields of a row it cannot read, whether the value is met first, again at once or again later', () => {
    const columns = new CompactRegister();
    const fields = new FieldNumbers();
    const row = (date_of_birth: string | null | undefined, sex: string | null | undefined) =>
      columns.addPerson('C-1', { full_name: 'Phan Văn Hải', date_of_birth, sex, address: null }, fields);
    const said = [
      row(' 1987-03-14 ', 'M'),
      row('  ', ' '),
      row(undefined, null),
      row('x', 'M'),
      row('x', 'M'),
      row('1990', '?'),
      row('x', 'nữ'),
      row('14/3/1987', '?'),
    ];
    expect(said).toEqual([0, 0, 0, UNREADABLE_DATE, UNREADABLE_DATE, UNREADABLE_SEX, UNREADABLE_DATE, UNREADABLE_SEX]);
  });

  it('holds a row it cannot read a field of as a row without that field', () => {
    const columns = new CompactRegister();
    const fields = new FieldNumbers();
    columns.addPerson('C-1', { full_name: 'Phan Văn Hải', date_of_birth: '31/31/1961', sex: 'X', address: null }, fields);
    columns.addPerson('C-2', { full_name: 'Phan Văn Hải', date_of_birth: null, sex: null, address: null }, fields);
    expect(columns.get(0)).toEqual({ ...columns.get(1), id: 'C-1', features: { ...columns.get(1).features, personal_id: null } });
  });

  it('tells whether a citizen holds an ID, and not for a personal ID alone', () => {
    const columns = new CompactRegister();
    const fields = new FieldNumbers();
    columns.addPerson('C-7', { personal_id: '001090004321', full_name: 'Phan Văn Hải', date_of_birth: null, sex: null, address: null }, fields);
    columns.addPerson('0042', { personal_id: null, full_name: 'Phan Văn Hà', date_of_birth: null, sex: null, address: null }, fields);
    expect(['C-7', '0042', '42', '001090004321', 'C-8'].map((id) => columns.hasId(id))).toEqual([true, true, false, false, false]);
  });

  it('counts the personal IDs of a compact register as it counts those of match records', () => {
    const columns = CompactRegister.of(register);
    const ids = register.map((citizen) => citizen.features.personal_id).filter((id): id is string => id !== null);
    const fromRegister = TermFrequencies.fromRegister(columns, ['personal_id']);
    const fromRecords = TermFrequencies.fromRecords(register, ['personal_id']);
    expect(ids.map((id) => fromRegister.frequency('personal_id', id))).toEqual(ids.map((id) => fromRecords.frequency('personal_id', id)));
  });

  it('counts two register rows with one citizen ID as one candidate', () => {
    const source = new InMemoryCandidateSource(settings.blocking_rules, [register[0]!, { ...register[0]! }]);
    expect(source.candidatesOf(register[0]!)).toHaveLength(1);
  });
});

describe('reading records', () => {
  it('reads a file through its cache as toMatchRecord reads each record', () => {
    const reader = new MatchRecordReader();
    expect(set.records.map((r) => reader.read(r.record_id, r))).toEqual(records);
  });
});

describe('the CSV row parser', () => {
  const parse = (pieces: string[]) => {
    const parser = new CsvRowParser();
    return [...pieces.flatMap((piece) => parser.push(piece)), ...parser.end()];
  };

  it('reads quoted fields holding commas, doubled quotes and line breaks', () => {
    expect(parse(['a,"b, ""c""\nd",e\r\n'])).toEqual([['a', 'b, "c"\nd', 'e']]);
  });

  it('gives the same rows however the text is cut into pieces', () => {
    const text = '\ufeffid, name ,x\n1,"Lê, Văn",\n\n2,"say ""hi""",z';
    const whole = parse([text]);
    expect(whole).toEqual([
      ['id', 'name', 'x'],
      ['1', 'Lê, Văn', ''],
      ['2', 'say "hi"', 'z'],
    ]);
    for (let cut = 1; cut < text.length; cut += 1) expect(parse([text.slice(0, cut), text.slice(cut)])).toEqual(whole);
  });
});

describe('edit distance within a bound', () => {
  it('agrees with the full edit distance on every pair', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 12 }),
        fc.string({ maxLength: 12 }),
        fc.integer({ min: 0, max: 3 }),
        (x, y, most) => withinEdits(x, y, most) === levenshtein.get(x, y) <= most,
      ),
      { numRuns: 3000 },
    );
  });

  it('agrees with the full edit distance on pairs that share a beginning and an end around a few letters', () => {
    const letters = fc.string({ unit: fc.constantFrom('a', 'b', 'n', ' '), maxLength: 4 });
    fc.assert(
      fc.property(letters, letters, letters, letters, fc.integer({ min: 0, max: 3 }), (start, x, y, end, most) => {
        const [a, b] = [`${start}${x}${end}`, `${start}${y}${end}`];
        return withinEdits(a, b, most) === levenshtein.get(a, b) <= most;
      }),
      { numRuns: 5000 },
    );
  });
});

describe('estimation on a sample of records', () => {
  it('keeps every record, in order, when there are no more than the limit', () => {
    const sample = new RecordSample<number>(5, 1);
    [1, 2, 3].forEach((n) => sample.offer(n));
    expect(sample.items()).toEqual([1, 2, 3]);
  });

  it('keeps at most the limit, in the order they came', () => {
    const sample = new RecordSample<number>(50, 1);
    for (let n = 0; n < 1000; n += 1) sample.offer(n);
    const items = sample.items();
    expect([items.length, [...items].sort((a, b) => a - b)]).toEqual([50, items]);
  });

  it('reports how far apart two halves of the sample put the prior', () => {
    const { spread } = estimateParameters(settings, register, records, { sample: 400 });
    const [a, b] = spread.inRegister.halves;
    expect([spread.records, Math.abs(a - b) < 0.2, a !== b]).toEqual([400, true, true]);
  });
});
