import { inMemoryLinkage, linkAll } from '../shared/linkage/batch-linkage.js';
import { toMatchRecord } from '../shared/linkage/match-record.js';
import { loadSettings } from '../shared/linkage/settings.js';
import { generateLinkageSet } from '../shared/synth/linkage-set.js';
import { machineLine } from './machine.js';

/** `npm run bench:linker`: batch linkage throughput, 50,000 citizens × 10,000 records, committed settings. */
async function main(): Promise<void> {
  console.log(machineLine());
  const set = generateLinkageSet({ population: 50_000, records: 10_000, absentShare: 0.1, seed: 4242 });
  const register = set.population.map((c) => toMatchRecord(c.citizen_id, c));
  const records = set.records.map((r) => toMatchRecord(r.record_id, r));
  const settings = loadSettings();
  for (let run = 1; run <= 3; run += 1) {
    const started = performance.now();
    const { engine, source } = inMemoryLinkage(settings, register);
    const indexed = performance.now();
    const decisions = await linkAll(engine, source, records);
    const done = performance.now();
    const perSecond = Math.round(records.length / ((done - indexed) / 1000));
    console.log(
      `run ${run}: ${register.length.toLocaleString('en')} citizens indexed in ${((indexed - started) / 1000).toFixed(2)} s; ` +
        `${records.length.toLocaleString('en')} records linked in ${((done - indexed) / 1000).toFixed(2)} s = ${perSecond.toLocaleString('en')} records/s ` +
        `(${decisions.filter((d) => d.decision === 'LINK').length} links)`,
    );
  }
  console.log('streaming throughput against PostgreSQL: npm run bench:linker-streaming');
}

await main();
