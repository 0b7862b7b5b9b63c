import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { pino } from 'pino';
import { loadConfig } from '../config.js';
import { PipelineRun } from '../pipeline-run.js';
import { stackUp } from '../stack/stack.js';
import { dropDatabase, otherDatabaseUrl } from '../stack/postgres-node.js';
import { publishEvents } from '../../shared/kafka/publisher.js';
import { createLogger } from '../../shared/observability/logger.js';
import { REPO_ROOT } from '../../shared/paths.js';
import { loadSettings } from '../../shared/linkage/settings.js';
import { loadPopulation } from '../../shared/store/population-load.js';
import { generateCivilStatusStream } from '../../shared/synth/civil-status-stream.js';
import { generatePopulation, populationCsv } from '../../shared/synth/population.js';

/** Bytes a broken publisher might send: not Avro, a wrong magic byte, an unknown schema id, truncated. */
export const GARBAGE_MESSAGES: Buffer[] = [
  Buffer.from('{"not":"avro"}'),
  Buffer.from([1, 0, 0, 0, 1, 2, 3]),
  Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2, 4]),
  Buffer.from([0, 0, 0]),
];

export function demoCommand(): Command {
  return new Command('demo')
    .description('run the whole pipeline on synthetic data and print a summary (starts the stack)')
    .option('--population <n>', 'citizens in the synthetic register', '5000')
    .option('--births <n>', 'birth registrations', '400')
    .option('--deaths <n>', 'death registrations', '200')
    .action(async (options: { population: string; births: string; deaths: string }) => {
      const config = loadConfig(process.env);
      const print = (line: string) => console.log(line);
      print('starting the stack');
      await stackUp(config, (line) => print(`  ${line}`));

      const dir = join(REPO_ROOT, '.dancu', 'demo');
      mkdirSync(dir, { recursive: true });
      const logFile = join(dir, 'services.log');
      const logger = createLogger({ level: config.DANCU_LOG_LEVEL, name: 'demo' }, pino.destination({ dest: logFile, sync: true }));
      const databaseUrl = otherDatabaseUrl(config.DATABASE_URL, 'dancu_demo');
      await dropDatabase(databaseUrl);
      const run = new PipelineRun(config, databaseUrl, `demo-${Date.now()}`, logger);
      await run.prepare();
      try {
        const population = generatePopulation(Number(options.population), 2026);
        const populationFile = join(dir, 'population.csv');
        writeFileSync(populationFile, populationCsv(population));
        const loaded = await loadPopulation(run.pool, populationFile, loadSettings(config.DANCU_LINKAGE_SETTINGS));
        print(`loaded ${loaded.rows} synthetic citizens into database dancu_demo`);

        const deaths = Number(options.deaths);
        const { events, truth } = generateCivilStatusStream(
          population,
          { births: Number(options.births), deaths, deathsWithoutId: Math.ceil(deaths / 20), deathsWithWrongId: Math.ceil(deaths / 40), invalid: 20 },
          7,
        );
        writeFileSync(join(dir, 'civil-status.jsonl'), `${events.map((event) => JSON.stringify(event)).join('\n')}\n`);

        const started = Date.now();
        await run.startServices();
        const report = await publishEvents({ producer: run.producer, registry: run.registry, topic: run.topics.civilStatus, record: 'civilStatusEvent', events });
        await run.producer.send({ topic: run.topics.civilStatus, messages: GARBAGE_MESSAGES.map((value) => ({ value })) });
        const eventsIn = report.published + GARBAGE_MESSAGES.length;
        print(`published ${eventsIn} civil-status events (${truth.births.length} births, ${truth.deaths.length} deaths, ${truth.invalid.length} invalid, ${GARBAGE_MESSAGES.length} not Avro)`);

        await run.waitUntilDrained(config.DANCU_DRAIN_TIMEOUT_MS);
        const elapsed = (Date.now() - started) / 1000;
        const counts = await run.counts();
        const applied = counts.citizensCreated + counts.deathsRecorded + counts.citizensUpdated + counts.recordsLinked;
        print('');
        print('summary');
        print(`  events in            ${eventsIn}`);
        print(`  linked to a citizen  ${counts.deathsRecorded + counts.citizensUpdated + counts.recordsLinked}`);
        print(`  new citizens         ${counts.citizensCreated}`);
        print(`  sent to review       ${counts.reviewCases}`);
        print(`  updates published    ${counts.updatesPublished}`);
        print(`  dead-lettered        ${counts.deadLettered}`);
        const deceased = await run.pool.query<{ citizen_id: string; date_of_death: string }>("select citizen_id, date_of_death from citizens where status = 'DECEASED'");
        const died = new Map(truth.deaths.map((death) => [death.citizenId, death.dateOfDeath]));
        const right = deceased.rows.filter((row) => died.get(row.citizen_id) === row.date_of_death).length;
        print(`  deaths recorded      ${deceased.rows.length}, ${right} on the right citizen with the right date (synthetic truth)`);
        print(`  accounted for        ${applied + counts.reviewCases + counts.deadLettered} of ${eventsIn} (applied + review + dead letters)`);
        print(`  elapsed              ${elapsed.toFixed(1)} s (${Math.round(eventsIn / elapsed)} events/s)`);
        print(`service logs: ${logFile}`);
        print(`inspect a citizen: DATABASE_URL=${databaseUrl} npx dancu citizen ${truth.deaths[0]?.citizenId ?? ''}`);
        if (applied + counts.reviewCases + counts.deadLettered !== eventsIn || right !== deceased.rows.length) process.exitCode = 1;
      } finally {
        await run.close({ dropTopics: false });
      }
    });
}
