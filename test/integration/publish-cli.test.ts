import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka, kafkaConnection } from '../../services/shared/kafka/client.js';
import { topicMessageCount } from '../../services/shared/kafka/lag.js';
import { SOURCE_NAMES, SOURCE_TOPICS, topicsFor, type SourceName } from '../../services/shared/schemas/topics.js';
import { REPO_ROOT } from '../../services/shared/paths.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { generateSectorDay } from '../../services/shared/synth/sector-day.js';
import { config, testLogger, uniqueName } from '../helpers/real-stack.js';

const exec = promisify(execFile);

describe('dancu publish --source, for each of the four sources', () => {
  const namespace = uniqueName('publish');
  const topics = topicsFor(namespace);
  const kafka = createKafka(kafkaConnection(config), namespace, testLogger);
  const admin = kafka.admin();
  const dir = mkdtempSync(join(tmpdir(), 'dancu-publish-'));
  const day = generateSectorDay(
    generatePopulation(300, 61),
    { births: 5, deaths: 4, marriages: 2, nameChanges: 1, vaccinations: 6, benefits: 5, licences: 4, invalidPerSource: 0 },
    62,
  );
  const publish = (source: SourceName, file: string) =>
    exec('node', [join(REPO_ROOT, 'bin', 'dancu.js'), 'publish', '--source', source, file], {
      cwd: REPO_ROOT,
      env: { ...process.env, DANCU_TOPIC_NAMESPACE: namespace },
    });

  beforeAll(async () => {
    await admin.connect();
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: Object.values(topics).filter((t) => t.includes('sector.')) }).catch(() => undefined);
    await admin.disconnect();
  });

  it.each(SOURCE_NAMES)('publishes a JSON Lines file of %s events to its topic', async (source) => {
    const file = join(dir, `${source}.jsonl`);
    writeFileSync(file, day.events[source].map((event) => JSON.stringify(event)).join('\n'));
    const { stdout } = await publish(source, file);
    expect(stdout).toContain(`published ${day.events[source].length} events to ${topics[SOURCE_TOPICS[source].events]}; rejected 0`);
    expect(await topicMessageCount(admin, topics[SOURCE_TOPICS[source].events])).toBe(day.events[source].length);
  });

  it('refuses, by line, an event that does not fit its source schema, and exits 3', async () => {
    const file = join(dir, 'mixed.jsonl');
    writeFileSync(file, `${JSON.stringify(day.events.vaccination[0])}\n${JSON.stringify(day.events['driver-licence'][0])}\n`);
    const failure = await publish('vaccination', file).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(3);
    expect(failure?.stderr).toMatch(/^line 2: /m);
  });
});
