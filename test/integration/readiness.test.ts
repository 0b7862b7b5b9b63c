import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaDown, kafkaProcess, kafkaUp } from '../../services/cli/stack/kafka-node.js';
import { runningPid } from '../../services/cli/stack/processes.js';
import { hostPort, stackLayout } from '../../services/cli/stack/stack-layout.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { IsolatedRun } from '../helpers/isolated-run.js';
import { config } from '../helpers/real-stack.js';
import { waitUntil } from '../helpers/wait.js';

interface Ready {
  status: number;
  kafka: boolean | undefined;
}

/** Stops the stack's Kafka, so it runs only where this stack started Kafka (as .ci/run does); a Kafka found running elsewhere is not ours to stop. */
const layout = stackLayout();
const ownsKafka = runningPid(kafkaProcess(layout)) !== null;

describe.skipIf(!ownsKafka)('readiness follows the dependencies: not ready when Kafka stops, ready again by itself when it returns', () => {
  const run = new IsolatedRun('readiness');
  const kafka = { ...hostPort(config.DANCU_KAFKA_BROKERS[0] ?? '127.0.0.1:9092', 9092), heapMb: config.DANCU_STACK_KAFKA_HEAP_MB };
  const readiness = async (service: string): Promise<Ready> => {
    const response = await fetch(`http://127.0.0.1:${run.httpPort(service)}/readyz`);
    const body = (await response.json()) as { checks: Record<string, { ok: boolean }> };
    return { status: response.status, kafka: body.checks.kafka?.ok };
  };
  const all = async () => Promise.all(['ingest', 'linker', 'store'].map(readiness));
  const seen: Ready[][] = [];

  beforeAll(async () => {
    await run.setUp({ register: generatePopulation(50, 81) });
    await run.startServices();
    seen.push(await waitUntil(all, (states) => states.every((s) => s.status === 200), 60_000, 'all services ready'));
    await kafkaDown(layout);
    seen.push(await waitUntil(all, (states) => states.every((s) => s.status === 503 && s.kafka === false), 60_000, 'all services not ready'));
    await kafkaUp(layout, kafka);
    seen.push(await waitUntil(all, (states) => states.every((s) => s.status === 200), 180_000, 'all services ready again'));
  }, 360_000);

  afterAll(async () => {
    await kafkaUp(layout, kafka);
    await run.cleanUp();
  });

  it('reports every service ready while Kafka runs', () => {
    expect(seen[0]).toEqual([
      { status: 200, kafka: true },
      { status: 200, kafka: true },
      { status: 200, kafka: true },
    ]);
  });

  it('reports every service not ready, naming Kafka, once Kafka stops', () => {
    expect(seen[1]).toEqual([
      { status: 503, kafka: false },
      { status: 503, kafka: false },
      { status: 503, kafka: false },
    ]);
  });

  it('reports every service ready again once Kafka is back, with no restart', () => {
    expect(seen[2]).toEqual([
      { status: 200, kafka: true },
      { status: 200, kafka: true },
      { status: 200, kafka: true },
    ]);
  });
});
