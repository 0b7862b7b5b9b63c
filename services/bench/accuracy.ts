import { inMemoryLinkage, linkAll } from '../shared/linkage/batch-linkage.js';
import { estimateParameters } from '../shared/linkage/estimate.js';
import { toMatchRecord, type MatchRecord } from '../shared/linkage/match-record.js';
import { loadSettings, type LinkageSettings } from '../shared/linkage/settings.js';
import { generateLinkageSet } from '../shared/synth/linkage-set.js';
import { CompactRegister } from '../shared/linkage/compact-register.js';
import { boundedForDedupe, dedupePairs, estimateForDedupe } from '../shared/linkage/dedupe.js';
import { accuracyOf, pairAccuracyOf, type Accuracy } from './accuracy-metrics.js';
import { febrlEntity, readFebrl } from './febrl.js';
import { machineLine } from './machine.js';

interface Dataset {
  name: string;
  register: MatchRecord[];
  records: MatchRecord[];
  truth: (recordId: string) => string | null;
}

function febrl4(): Dataset {
  const register = readFebrl('dataset4a.csv');
  const byEntity = new Map(register.map((r) => [febrlEntity(r.id), r.id]));
  return { name: 'FEBRL 4 (5,000 × 5,000)', register, records: readFebrl('dataset4b.csv'), truth: (id) => byEntity.get(febrlEntity(id)) ?? null };
}

/**
 * A placeholder a sector types when the field must be filled: no province begins with 000, so it
 * is no one's ID. The `placeholders` variant puts it on one record in ten and one register entry
 * in fifty (a register copied from a sector's), on the classic set of the same seed.
 */
const PLACEHOLDER_ID = '000000000000';

function synthetic(seed: number, population = 20_000, absentShare = 0.1, profile: 'classic' | 'hard' | 'placeholders' = 'classic'): Dataset {
  const set = generateLinkageSet({ population, records: 5_000, absentShare, seed, profile: profile === 'hard' ? 'hard' : 'classic' });
  const placeholder = (every: number) => (i: number) => (profile === 'placeholders' && i % every === 0 ? { personal_id: PLACEHOLDER_ID } : {});
  const [entry, record] = [placeholder(50), placeholder(10)];
  const kind = { classic: '', hard: ' hard', placeholders: '' }[profile];
  const note = { classic: '', hard: '', placeholders: `, ID ${PLACEHOLDER_ID} on one record in ten and one entry in fifty` }[profile];
  return {
    name: `synthetic${kind} seed ${seed} (${set.population.length.toLocaleString('en')} × 5,000, ${absentShare * 100}% absent${note})`,
    register: set.population.map((c, i) => toMatchRecord(c.citizen_id, { ...c, ...entry(i) })),
    records: set.records.map((r, i) => toMatchRecord(r.record_id, { ...r, ...record(i) })),
    truth: (id) => set.truth.get(id) ?? null,
  };
}

/**
 * The day the sets' records are as of (the settings' prior_by_age counts ages to it): fixed, so
 * the figures do not move as the calendar does. The generators' newborns are born in 2026.
 */
const AS_OF = '2026-12-04';

async function measure(dataset: Dataset, settings: LinkageSettings): Promise<Accuracy> {
  const { engine, source } = inMemoryLinkage(settings, dataset.register, undefined, AS_OF);
  return accuracyOf(await linkAll(engine, source, dataset.records), dataset.truth);
}

/** FEBRL 3 deduplicated as dedupe-csv does (5,000 entries, 2,000 people with up to 5 duplicates each), scored on pairs. */
function febrl3(committed: LinkageSettings): void {
  const entries = readFebrl('dataset3.csv');
  const register = CompactRegister.of(entries);
  const bounded = boundedForDedupe(committed);
  const runs: [string, LinkageSettings][] = [
    ['estimated from the data (dedupe-csv default)', estimateForDedupe(bounded, register)],
    ['committed', bounded],
  ];
  console.log('\ndataset | parameters | precision | recall | F1 | F1 grouped | true pairs | duplicate pairs | false pairs | review pairs');
  for (const [label, settings] of runs) {
    const { engine, source } = inMemoryLinkage(settings, register);
    const a = pairAccuracyOf(
      dedupePairs(engine, source),
      entries.map((e) => e.id),
      febrlEntity,
    );
    console.log(
      `FEBRL 3 (5,000 entries, pairs) | ${label} | ${a.precision.toFixed(5)} | ${a.recall.toFixed(4)} | ${a.f1.toFixed(4)} | ${a.grouped.f1.toFixed(4)} | ${a.truePairs} | ${a.duplicates} | ${a.duplicates - a.trueDuplicates} | ${a.reviews}`,
    );
  }
}

/** `npm run bench:accuracy`: precision, recall, F1 and review rate of link-csv's decisions on FEBRL 4 and synthetic sets (classic and hard profiles), and of dedupe-csv's pairs on FEBRL 3. */
async function main(): Promise<void> {
  // BENCH_SETTINGS: another settings file measured on the same data (a change's before and after).
  const committed = loadSettings(process.env.BENCH_SETTINGS ?? '');
  console.log(machineLine());
  console.log('dataset | parameters | precision | recall | F1 | review rate | links | false links (to absent) | reviews | new');
  const datasets = [
    febrl4(),
    synthetic(2026),
    synthetic(7),
    synthetic(11, 50_000, 0.3),
    synthetic(2027, 20_000, 0.2, 'hard'),
    synthetic(13, 50_000, 0.3, 'hard'),
    synthetic(2026, 20_000, 0.1, 'placeholders'),
  ];
  for (const dataset of datasets) {
    const runs: [string, LinkageSettings][] = [
      ['estimated from the data (link-csv default)', estimateParameters(committed, dataset.register, dataset.records, { asOf: AS_OF }).settings],
      ['committed', committed],
    ];
    for (const [label, settings] of runs) {
      const a = await measure(dataset, settings);
      console.log(
        `${dataset.name} | ${label} | ${a.precision.toFixed(5)} | ${a.recall.toFixed(4)} | ${a.f1.toFixed(4)} | ${(a.reviewRate * 100).toFixed(2)}% | ${a.links} | ${a.falseLinks} (${a.falseLinksToAbsent}) | ${a.reviews} | ${a.news}`,
      );
    }
  }
  febrl3(committed);
}

await main();
