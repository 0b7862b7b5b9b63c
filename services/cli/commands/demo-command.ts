import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Command } from 'commander';
import { pino } from 'pino';
import { startServices } from '../service-catalogue.js';
import type { Logger } from '../../shared/observability/logger.js';
import { saveUser } from '../../shared/review/steward-users.js';
import { loadConfig } from '../config.js';
import { DEMO_RUN_FILE, writeDemoRun } from '../demo-run-file.js';
import { numberBetween, wholeNumber } from '../number-options.js';
import { PipelineRun } from '../pipeline-run.js';
import { stackUp } from '../stack/stack.js';
import { dropDatabase, otherDatabaseUrl } from '../stack/postgres-node.js';
import { publishEvents } from '../../shared/kafka/publisher.js';
import { SOURCE_NAMES, SOURCE_TOPICS, type SourceName } from '../../shared/schemas/topics.js';
import { createLogger } from '../../shared/observability/logger.js';
import { REPO_ROOT } from '../../shared/paths.js';
import { formatQualityReport, qualityReport } from '../../shared/reporting/quality-report.js';
import { formatRegisterQuality, registerQuality } from '../../shared/reporting/register-quality.js';
import { measureLag, oldestUnconsumedSeconds } from '../../shared/kafka/lag.js';
import { scanForDuplicates } from '../../shared/review/duplicate-scan.js';
import { pipelineGroupTopics } from '../../monitor/pipeline-status.js';
import { loadSettings } from '../../shared/linkage/settings.js';
import { SOURCE_ADAPTERS } from '../../shared/sources/source-adapters.js';
import { loadPopulation } from '../../shared/store/population-load.js';
import { DEMO_DEFAULTS, generateDemoData } from '../../shared/synth/demo-data.js';
import { populationCsv } from '../../shared/synth/population.js';

/** Bytes a broken publisher might send: not Avro, a wrong magic byte, an unknown schema id, truncated. */
export const GARBAGE_MESSAGES: Buffer[] = [
  Buffer.from('{"not":"avro"}'),
  Buffer.from([1, 0, 0, 0, 1, 2, 3]),
  Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2, 4]),
  Buffer.from([0, 0, 0]),
];

/** Sectors publish first, civil status after: newborns' vaccinations reach dancu before their birth registrations, as they do in life. */
const PUBLISH_ORDER: SourceName[][] = [['vaccination', 'social-welfare', 'driver-licence'], ['civil-status']];

interface TruthCheck {
  right: number;
  wrong: number;
  notLinked: number;
}

/** Which citizen each source record is linked to. */
async function linkedRecords(run: PipelineRun): Promise<Map<string, string>> {
  const { rows } = await run.pool.query<{ source_record_id: string; citizen_id: string }>('select source_record_id, citizen_id from record_links');
  return new Map(rows.map((row) => [row.source_record_id, row.citizen_id]));
}

/** Every record the truth says is about a citizen (record id → citizen): is it linked to that citizen? */
function checkLinks(linked: Map<string, string>, about: Map<string, string>): TruthCheck {
  const check: TruthCheck = { right: 0, wrong: 0, notLinked: 0 };
  for (const [recordId, citizenId] of about) {
    const actual = linked.get(recordId);
    if (actual === undefined) check.notLinked += 1;
    else if (actual === citizenId) check.right += 1;
    else check.wrong += 1;
  }
  return check;
}

/** Keeps the run going with the steward service, for a person to clear the demo's review cases in a browser, until Ctrl-C. */
async function serveReview(run: PipelineRun, logger: Logger, print: (line: string) => void): Promise<void> {
  const password = randomBytes(9).toString('base64url');
  await saveUser(run.pool, 'demo', password, 'steward');
  // A merge needs a second steward's approval: a supervisor to sign in as for that (and to undo others' decisions).
  await saveUser(run.pool, 'demo-supervisor', password, 'supervisor');
  const [steward] = await startServices(
    ['steward'],
    { ...run.env, DANCU_STEWARD_HTTP_PORT: process.env.DANCU_STEWARD_HTTP_PORT ?? '9410' },
    logger,
    run.metrics,
  );
  print('');
  print(
    `review UI: http://127.0.0.1:${steward!.httpPort}/  users demo and demo-supervisor (who approves merges), password ${password} (a synthetic register; Ctrl-C to stop)`,
  );
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  await steward!.stop();
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('run the whole pipeline on a synthetic day of all four sources and print what happened (starts the stack)')
    .option('--population <n>', 'citizens in the synthetic register', wholeNumber(1, Infinity, 'citizens'), DEMO_DEFAULTS.population)
    .option('--scale <factor>', 'multiplies the events of the synthetic day', numberBetween(0, Infinity), DEMO_DEFAULTS.scale)
    .option('--review', "then keep the pipeline running with the stewards' review UI, signed in as a demo steward, until Ctrl-C")
    .action(async (options: { population: number; scale: number; review?: boolean }) => {
      const config = loadConfig(process.env);
      // Made first: a register too small for the planted cases is refused before the stack starts and the last demo's database is dropped.
      const demo = generateDemoData(options.population, options.scale);
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
      // Left before anything can fail, so a demo that stopped half-way can be looked at too.
      writeDemoRun({ startedAt: new Date().toISOString(), databaseUrl, topicNamespace: run.namespace, groups: run.groups });
      try {
        const { hard } = demo;
        const populationFile = join(dir, 'population.csv');
        writeFileSync(populationFile, populationCsv(demo.register));
        const loaded = await loadPopulation(run.pool, populationFile, loadSettings(config.DANCU_LINKAGE_SETTINGS));
        print(
          `loaded ${loaded.rows} synthetic citizens into database dancu_demo (one in ten without an address, ${hard.registeredTwice.length} registered twice)`,
        );

        const { events, truth } = demo.day;
        for (const source of SOURCE_NAMES) writeFileSync(join(dir, `${source}.jsonl`), `${events[source].map((event) => JSON.stringify(event)).join('\n')}\n`);

        const started = Date.now();
        await run.startServices();
        let eventsIn = 0;
        for (const sources of PUBLISH_ORDER) {
          for (const source of sources) {
            const topic = run.topics[SOURCE_TOPICS[source].events];
            const report = await publishEvents({
              producer: run.producer,
              registry: run.registry,
              topic,
              record: SOURCE_ADAPTERS[source].record,
              events: events[source],
            });
            await run.producer.send({ topic, messages: GARBAGE_MESSAGES.map((value) => ({ value })) });
            if (source === 'vaccination')
              eventsIn += (
                await publishEvents({
                  producer: run.producer,
                  registry: run.registry,
                  topic,
                  record: SOURCE_ADAPTERS[source].record,
                  events: hard.vaccinations,
                })
              ).published;
            eventsIn += report.published + GARBAGE_MESSAGES.length;
            print(`published ${report.published} ${source} events and ${GARBAGE_MESSAGES.length} messages that are not Avro`);
          }
          await run.waitUntilDrained(config.DANCU_DRAIN_TIMEOUT_MS);
        }
        const elapsed = (Date.now() - started) / 1000;

        const report = await qualityReport(run.kafka, run.admin, run.pool, run.topics);
        print('');
        print('quality report (dancu quality report)');
        for (const line of formatQualityReport(report)) print(`  ${line}`);

        const duplicates = await scanForDuplicates(run.pool, loadSettings(config.DANCU_LINKAGE_SETTINGS));
        print('');
        print('duplicates inside the register (dancu duplicates scan)');
        print(
          `  ${duplicates.pairsCompared} pairs of citizens compared (sharing a blocking key, or ${duplicates.pairsThroughTypos} one typo apart on their IDs), ${duplicates.pairsFound} possible duplicates opened for review`,
        );
        const oldestWaitingSeconds = oldestUnconsumedSeconds(await measureLag(run.kafka, run.admin, pipelineGroupTopics(run.topics, run.groups)));
        const register = await registerQuality(run.pool, { sinceSeconds: 3_600, oldestWaitingSeconds });
        print('');
        print('the register (dancu quality register)');
        for (const line of formatRegisterQuality(register)) print(`  ${line}`);

        const linked = await linkedRecords(run);
        const links = checkLinks(linked, truth.about);
        const hardLinks = checkLinks(linked, new Map([...hard.records].map(([recordId, { citizenId }]) => [recordId, citizenId])));
        const deceased = await run.pool.query<{ citizen_id: string; date_of_death: string }>(
          "select citizen_id, date_of_death from citizens where status = 'DECEASED'",
        );
        const died = new Map(truth.civilStatus.deaths.map((death) => [death.citizenId, death.dateOfDeath]));
        const rightDeaths = deceased.rows.filter((row) => died.get(row.citizen_id) === row.date_of_death).length;
        const later = await run.pool.query<{ n: string }>(
          "select count(*) as n from unlinked_records where resolution = 'LINKED' and observation_id in (select observation_id from observation_outcomes where outcome = 'UNLINKED')",
        );
        const afterDeath = await run.pool.query<{ n: string }>("select count(*) as n from quality_findings where code = 'FACT_AFTER_DEATH'");
        const received = report.reduce((sum, q) => sum + q.received, 0);
        const accounted = report.reduce((sum, q) => sum + q.applied + q.rejected, 0);
        const counts = await run.counts();

        print('');
        print('checked against the synthetic truth');
        print(`  events in            ${eventsIn} (${received} on the source topics)`);
        print(`  records linked       ${links.right} to the right citizen, ${links.wrong} to a wrong one, ${links.notLinked} not linked (review or waiting)`);
        print(
          `  hard records         ${hard.vaccinations.length} published for stewards (an ID contradicting name and birth year, namesakes); ${hardLinks.wrong} linked to a wrong citizen`,
        );
        print(`  deaths recorded      ${deceased.rows.length}, ${rightDeaths} on the right citizen with the right date`);
        print(
          `  linked later         ${later.rows[0]?.n ?? 0} records kept unlinked until their birth registration arrived (${truth.beforeBirthRegistration.length} newborn vaccinations published first)`,
        );
        print(`  facts after death    ${afterDeath.rows[0]?.n ?? 0} findings (${truth.afterDeath.length} planted)`);
        print(`  updates published    ${counts.updatesPublished}`);
        print(`  dead-lettered        ${counts.deadLettered}`);
        print(`  accounted for        ${accounted} of ${eventsIn} (applied + rejected)`);
        print(`  elapsed              ${elapsed.toFixed(1)} s (${Math.round(eventsIn / elapsed)} events/s)`);
        const cases = await run.pool.query<{ origin: string; reason: string; n: string }>(
          `select case when reason = 'POSSIBLE_DUPLICATE' then 'scan' when observation->>'source_record_id' like 'HARD-%' then 'planted' else 'day' end as origin, reason, count(*) as n
             from review_cases where status <> 'DECIDED' group by 1, 2 order by 1, 2`,
        );
        const casesFrom = (origin: string) => cases.rows.filter((row) => row.origin === origin);
        const describe = (rows: typeof cases.rows) =>
          `${rows.reduce((sum, row) => sum + Number(row.n), 0)}${rows.length > 0 ? ` (${rows.map((row) => `${row.n} ${row.reason}`).join(', ')})` : ''}`;
        const dayCases = casesFrom('day').reduce((sum, row) => sum + Number(row.n), 0);
        const dayEvents = eventsIn - hard.vaccinations.length;
        print(
          `  review cases         from the day's ${dayEvents} events: ${describe(casesFrom('day'))}, ${((dayCases / dayEvents) * 10_000).toFixed(1)} per 10,000 events`,
        );
        print(
          `                       from the ${hard.vaccinations.length} hard records: ${describe(casesFrom('planted'))}; from the duplicate scan: ${describe(casesFrom('scan'))}`,
        );
        print(`service logs: ${logFile}`);
        if (accounted !== eventsIn || links.wrong > 0 || hardLinks.wrong > 0 || rightDeaths !== deceased.rows.length) process.exitCode = 1;
        if (!options.review) print('clear the review cases in the browser: npm run demo -- --review');
        print('');
        print(`look at this run again (every command takes --demo; the run is kept in ${relative(process.cwd(), DEMO_RUN_FILE)}):`);
        print('  npx dancu quality report --demo');
        print('  npx dancu lag --demo');
        print(`  npx dancu citizen ${truth.civilStatus.deaths[0]?.citizenId ?? 'ID'} --demo`);
        print('  npx dancu dlq list --demo');
        print('  npx dancu unlinked --demo');
        if (options.review) await serveReview(run, logger, print);
      } finally {
        await run.close({ dropTopics: false });
      }
    });
}
