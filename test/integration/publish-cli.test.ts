import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka, kafkaConnection } from '../../services/shared/kafka/client.js';
import { topicMessageCount } from '../../services/shared/kafka/lag.js';
import { SchemaRegistryClient } from '../../services/shared/kafka/registry.js';
import { SOURCE_NAMES, SOURCE_TOPICS, topicsFor, type SourceName } from '../../services/shared/schemas/topics.js';
import { REPO_ROOT } from '../../services/shared/paths.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { generateSectorDay } from '../../services/shared/synth/sector-day.js';
import { config, testLogger, uniqueName } from '../helpers/real-stack.js';
import { readTopic } from '../helpers/topic-reader.js';

const exec = promisify(execFile);

describe('dancu publish --source, for each of the four sources', () => {
  const namespace = uniqueName('publish');
  const topics = topicsFor(namespace);
  const kafka = createKafka(kafkaConnection(config), namespace, testLogger);
  const admin = kafka.admin();
  const registry = new SchemaRegistryClient(config.DANCU_SCHEMA_REGISTRY_URL);
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

  // Delivery is at least once: a send refused for one partition is sent again whole (client.ts,
  // sendAgain), so a partition already written holds an exact copy, which the pipeline applies once.
  it.each(SOURCE_NAMES)('publishes every event of a JSON Lines file of %s events to its topic, and nothing else', async (source) => {
    const file = join(dir, `${source}.jsonl`);
    const events = day.events[source] as { source_record_id: string }[];
    writeFileSync(file, events.map((event) => JSON.stringify(event)).join('\n'));
    const { stdout } = await publish(source, file);
    expect(stdout).toContain(`published ${events.length} events to ${topics[SOURCE_TOPICS[source].events]}; rejected 0`);
    const topic = topics[SOURCE_TOPICS[source].events];
    const messages = await readTopic(kafka, topic, await topicMessageCount(admin, topic));
    const copies = new Map(messages.map((message) => [String(message.key), message.value?.toString('base64')]));
    expect(messages.every((message) => copies.get(String(message.key)) === message.value?.toString('base64'))).toBe(true);
    const published = await Promise.all(messages.map((message) => registry.decode<{ source_record_id: string }>(message.value)));
    // Decoding fills the schema's defaults for fields the file leaves out: every field the file gives is sent as given.
    const byId = new Map(published.map((event) => [event.source_record_id, JSON.parse(JSON.stringify(event)) as object]));
    expect([...copies.keys()].sort()).toEqual(events.map((event) => event.source_record_id).sort());
    for (const event of events) expect(byId.get(event.source_record_id)).toMatchObject(event);
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
