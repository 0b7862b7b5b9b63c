import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineRun } from '../../services/cli/pipeline-run.js';
import { connectProducer } from '../../services/shared/kafka/client.js';
import { DLQ_HEADERS } from '../../services/shared/kafka/dead-letter.js';
import { SeededRandom } from '../../services/shared/random.js';
import type { PopulationUpdate, PopulationUpdateDraft } from '../../services/shared/schemas/records.js';
import { outboxTopicSchemas } from '../../services/shared/schemas/topics.js';
import { inTransaction } from '../../services/shared/store/db.js';
import { addToOutbox, CITIZEN_VERSION_HEADER, OutboxRelay } from '../../services/shared/store/outbox-relay.js';
import { config, dropDatabase, testDatabaseUrl, testLogger, uniqueName } from '../helpers/real-stack.js';
import { header, readTopic, readTopicUntil } from '../helpers/topic-reader.js';
import { applyHigherVersions } from '../helpers/update-consumer.js';
import { waitUntil } from '../helpers/wait.js';

const CITIZENS = Array.from({ length: 8 }, (_, i) => `0790${String(i).padStart(8, '0')}`);
const WRITERS = 6;
const TRANSACTIONS_PER_WRITER = 25;

function draft(updateId: string, citizenId: string): PopulationUpdateDraft {
  return {
    update_id: updateId,
    citizen_id: citizenId,
    update_type: 'CITIZEN_UPDATED',
    fact: null,
    changes: [{ field: 'address', old_value: null, new_value: updateId }],
    related_citizen_id: null,
    source: 'civil-status',
    source_system: 'hotich-test',
    source_record_id: updateId,
    observation_id: updateId,
    event_time: Date.parse('2026-11-30T08:00:00Z'),
    applied_at: Date.parse('2026-11-30T08:00:01Z'),
  };
}

/**
 * Each citizen's versions as a consumer applies them by README's rule (an update whose version is
 * not above the highest applied is dropped), in the order it receives them, and every update it
 * dropped that is not a copy of one it had received (a relay resends a failed batch whole, so
 * 1, 2, 1, 2, 3 may come; an update of its own out of order would be a defect).
 */
async function versionsByCitizen(run: PipelineRun, messages: KafkaMessage[]): Promise<{ applied: Map<string, number[]>; droppedUnseen: string[] }> {
  const updates: PopulationUpdate[] = [];
  for (const message of messages) {
    const update = await run.registry.decode<PopulationUpdate>(message.value);
    expect(header(message, CITIZEN_VERSION_HEADER)).toBe(String(update.citizen_version));
    updates.push(update);
  }
  const firstAt = new Map<string, number>();
  for (const [at, update] of updates.entries()) if (!firstAt.has(update.update_id)) firstAt.set(update.update_id, at);
  const droppedUnseen: string[] = [];
  const held = applyHigherVersions(updates, (update, at) => {
    if (firstAt.get(update.update_id) === at) droppedUnseen.push(update.update_id);
  });
  return { applied: new Map([...held].map(([citizenId, citizen]) => [citizenId, citizen.applied])), droppedUnseen };
}

describe('updates a consumer can trust: versioned, in version order per citizen, whatever the number of relays', () => {
  const name = uniqueName('update-order');
  const databaseUrl = testDatabaseUrl(name);
  const run = new PipelineRun(config, databaseUrl, name, testLogger);
  const relays: OutboxRelay[] = [];
  let schemaIds: Map<string, number>;

  const relay = async (options: { batchSize: number; maxAttempts?: number }) => {
    const producer = await connectProducer(run.kafka);
    const made = new OutboxRelay({
      pool: run.pool,
      producer,
      registry: run.registry,
      schemaIds,
      deadLetterTopic: run.topics.deadLetters,
      logger: testLogger,
      batchSize: options.batchSize,
      idlePollMs: 20,
      ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    });
    relays.push(made);
    return { relay: made, producer };
  };

  beforeAll(async () => {
    await run.prepare();
    schemaIds = new Map();
    for (const [topic, record] of outboxTopicSchemas(run.topics)) schemaIds.set(topic, await run.registry.registerValueSchema(topic, record));
  });

  afterAll(async () => {
    await Promise.all(relays.map((r) => r.stop()));
    await run.close({ dropTopics: true });
    await dropDatabase(databaseUrl);
  });

  it('gives every citizen versions 1, 2, 3, … in the order a consumer receives them, with two relays and six writers on the same citizens', async () => {
    const started = [await relay({ batchSize: 5 }), await relay({ batchSize: 5 })];
    let committed = 0;
    const writer = async (w: number) => {
      const random = new SeededRandom(100 + w);
      for (let t = 0; t < TRANSACTIONS_PER_WRITER; t += 1) {
        // Like the store, a transaction touches its citizens in id order, so writers wait on each other instead of deadlocking.
        const touched = [...new Set([random.pick(CITIZENS), random.pick(CITIZENS), random.pick(CITIZENS)])].sort();
        await inTransaction(run.pool, async (client) => {
          for (const citizenId of touched) {
            const update = draft(`w${w}-t${t}-${citizenId}`, citizenId);
            await addToOutbox(client, {
              eventId: update.update_id,
              topic: run.topics.populationUpdates,
              key: citizenId,
              recordType: 'populationUpdate',
              payload: update,
            });
          }
        });
        committed += 1;
        // The relays start halfway, on a backlog, so that their batches overlap in time.
        if (committed === (WRITERS * TRANSACTIONS_PER_WRITER) / 2) for (const { relay: r } of started) r.start();
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    const { rows } = await run.pool.query<{ n: string }>(`select count(*) as n from outbox where record_type = 'populationUpdate'`);
    const total = Number(rows[0]!.n);

    // Until every update has come once: copies of a batch sent again come besides them.
    const messages = await readTopicUntil(
      run.kafka,
      run.topics.populationUpdates,
      (read) => new Set(read.map((message) => header(message, 'id'))).size >= total,
      `${total} updates on ${run.topics.populationUpdates}`,
    );
    const { applied, droppedUnseen } = await versionsByCitizen(run, messages);

    const expected = new Map<string, number[]>();
    const counts = await run.pool.query<{ citizen_id: string; version: string }>('select citizen_id, version from citizen_versions');
    for (const row of counts.rows)
      expected.set(
        row.citizen_id,
        Array.from({ length: Number(row.version) }, (_, i) => i + 1),
      );
    expect(applied).toEqual(expected);
    expect(droppedUnseen).toEqual([]);
  });

  it('dead-letters a row that cannot be encoded after its attempts, and publishes the rows after it', async () => {
    await Promise.all(relays.map((r) => r.stop()));
    const { relay: r } = await relay({ batchSize: 50, maxAttempts: 3 });
    const citizenId = '079099999999';
    await inTransaction(run.pool, async (client) => {
      await addToOutbox(client, {
        eventId: 'poison-1',
        topic: run.topics.populationUpdates,
        key: citizenId,
        recordType: 'populationUpdate',
        payload: { update_id: 'poison-1' },
      });
      const after = draft('after-poison-1', citizenId);
      await addToOutbox(client, {
        eventId: after.update_id,
        topic: run.topics.populationUpdates,
        key: citizenId,
        recordType: 'populationUpdate',
        payload: after,
      });
    });
    r.start();

    const poison = await waitUntil(
      async () =>
        (
          await run.pool.query<{ attempts: number; dead_lettered: boolean; last_error: string | null }>(
            `select attempts, dead_lettered_at is not null as dead_lettered, last_error from outbox where event_id = 'poison-1'`,
          )
        ).rows[0]!,
      (row) => row.dead_lettered,
      30_000,
      'the poison row dead-lettered',
    );
    expect(poison.attempts).toBe(3);
    const [letter] = await readTopic(run.kafka, run.topics.deadLetters, 1);
    expect([header(letter!, DLQ_HEADERS.reason), header(letter!, DLQ_HEADERS.stage), header(letter!, DLQ_HEADERS.recordId)]).toEqual([
      'OUTBOX_UNPUBLISHABLE',
      'outbox-relay',
      'poison-1',
    ]);
    const published = await waitUntil(
      async () => (await run.pool.query(`select 1 from outbox where event_id = 'after-poison-1' and published_at is not null`)).rowCount ?? 0,
      (n) => n === 1,
      30_000,
      'the row after the poison row published',
    );
    expect(published).toBe(1);
  });

  it('dead-letters a row the broker refuses as too large after its attempts, without its payload, and publishes the rows after it', async () => {
    await Promise.all(relays.map((r) => r.stop()));
    const { relay: r } = await relay({ batchSize: 50, maxAttempts: 2 });
    const citizenId = '079099999998';
    const oversize = draft('oversize-1', citizenId);
    // Over the stack broker's message.max.bytes (8 MiB) once encoded; the rows before and after are ordinary.
    oversize.changes = [{ field: 'address', old_value: null, new_value: 'x'.repeat(9 * 1024 * 1024) }];
    await inTransaction(run.pool, async (client) => {
      for (const payload of [draft('before-oversize-1', citizenId), oversize, draft('after-oversize-1', citizenId)]) {
        await addToOutbox(client, { eventId: payload.update_id, topic: run.topics.populationUpdates, key: citizenId, recordType: 'populationUpdate', payload });
      }
    });
    r.start();

    const rows = await waitUntil(
      async () =>
        (
          await run.pool.query<{ event_id: string; published: boolean; dead_lettered: boolean; attempts: number }>(
            `select event_id, published_at is not null as published, dead_lettered_at is not null as dead_lettered, attempts
               from outbox where event_id like '%oversize-1' order by id`,
          )
        ).rows,
      (found) => found.every((row) => row.published),
      60_000,
      'every row published or dead-lettered',
    );
    const letters = await readTopic(run.kafka, run.topics.deadLetters, 2);
    const letter = letters.find((each) => header(each, DLQ_HEADERS.recordId) === 'oversize-1');
    expect([rows, letter?.value, header(letter!, DLQ_HEADERS.reason), header(letter!, DLQ_HEADERS.valueOmitted)?.includes('KAFKA_MESSAGE_TOO_LARGE')]).toEqual([
      [
        { event_id: 'before-oversize-1', published: true, dead_lettered: false, attempts: 0 },
        { event_id: 'oversize-1', published: true, dead_lettered: true, attempts: 2 },
        { event_id: 'after-oversize-1', published: true, dead_lettered: false, attempts: 0 },
      ],
      null,
      'OUTBOX_UNPUBLISHABLE',
      true,
    ]);
  });
});
