import type { CliConfig } from '../config.js';
import { kafkaDown, kafkaStatus, kafkaUp } from './kafka-node.js';
import { postgresDown, postgresStatus, postgresUp } from './postgres-node.js';
import { registryDown, registryStatus, registryUp } from './registry-node.js';
import { hostPort, stackLayout } from './stack-layout.js';

type Print = (line: string) => void;

function endpoints(config: CliConfig) {
  const kafka = hostPort(config.DANCU_KAFKA_BROKERS[0] ?? '127.0.0.1:9092', 9092);
  const registry = hostPort(config.DANCU_SCHEMA_REGISTRY_URL, 8081);
  return { kafka, registry };
}

/** Starts what is not running yet and waits until each part answers; a second call changes nothing. */
export async function stackUp(config: CliConfig, print: Print): Promise<void> {
  const started = Date.now();
  const layout = stackLayout();
  const { kafka, registry } = endpoints(config);
  const [kafkaState, registryState, postgresState] = await Promise.all([
    kafkaUp(layout, { ...kafka, heapMb: config.DANCU_STACK_KAFKA_HEAP_MB }),
    registryUp(layout, { ...registry, heapMb: config.DANCU_STACK_REGISTRY_HEAP_MB }),
    postgresUp(layout, config.DATABASE_URL),
  ]);
  print(`kafka       ${kafkaState.padEnd(8)} ${kafka.host}:${kafka.port}`);
  print(`registry    ${registryState.padEnd(8)} ${config.DANCU_SCHEMA_REGISTRY_URL}`);
  print(`postgresql  ${postgresState.padEnd(8)} ${redactPassword(config.DATABASE_URL)}`);
  print(`logs        ${layout.logs}`);
  print(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Stops only the processes this stack started (pid files), never a service it found running. */
export async function stackDown(print: Print): Promise<void> {
  const layout = stackLayout();
  const [kafka, registry] = await Promise.all([kafkaDown(layout), registryDown(layout)]);
  const postgres = await postgresDown(layout);
  print(`kafka       ${kafka ? 'stopped' : 'was not started by dancu'}`);
  print(`registry    ${registry ? 'stopped' : 'was not started by dancu'}`);
  print(`postgresql  ${postgres ? 'stopped' : 'left running (not started by dancu)'}`);
}

export async function stackStatus(config: CliConfig, print: Print): Promise<boolean> {
  const layout = stackLayout();
  const { kafka, registry } = endpoints(config);
  const states = {
    kafka: await kafkaStatus(layout, { ...kafka, heapMb: 0 }),
    registry: await registryStatus(layout, { ...registry, heapMb: 0 }),
    postgresql: await postgresStatus(config.DATABASE_URL),
  };
  for (const [name, state] of Object.entries(states)) print(`${name.padEnd(11)} ${state}`);
  return Object.values(states).every((state) => state.startsWith('running'));
}

function redactPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
