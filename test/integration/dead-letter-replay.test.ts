import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishEvents } from '../../services/shared/kafka/publisher.js';
import { REPO_ROOT } from '../../services/shared/paths.js';
import { generatePopulation, type SyntheticCitizen } from '../../services/shared/synth/population.js';
import { licenceEvent, personOf } from '../fixtures/sector-events.js';
import { IsolatedRun } from '../helpers/isolated-run.js';

const exec = promisify(execFile);

describe('dead letters can be listed, shown and replayed after a fix', () => {
  const run = new IsolatedRun('replay');
  const dancu = (...args: string[]) => exec('node', [join(REPO_ROOT, 'bin', 'dancu.js'), ...args], { cwd: REPO_ROOT, env: run.env });
  let adults: SyntheticCitizen[];

  const applied = async () => {
    const { rows } = await run.pool.query<{ outcomes: string; updates: string }>(
      "select (select count(*) from observation_outcomes where source = 'driver-licence') as outcomes, (select count(*) from outbox where record_type = 'populationUpdate') as updates",
    );
    return { outcomes: Number(rows[0]?.outcomes), updates: Number(rows[0]?.updates) };
  };

  beforeAll(async () => {
    adults = generatePopulation(100, 51).filter((c) => Number(c.date_of_birth.slice(0, 4)) < 2000);
    await run.setUp({ register: adults });
    // An ingest limit too small for one long address: the fault to fix.
    run.env.DANCU_INGEST_MAX_EVENT_BYTES = '2048';
    await run.startServices();
    const events = [
      licenceEvent(personOf(adults[0]!), 'L-1'),
      licenceEvent(personOf(adults[1]!, { address: `Số 1, ${'Ngõ 5 '.repeat(400)}, Hà Nội` }), 'L-2'),
      licenceEvent(personOf(adults[2]!), 'L-3'),
    ];
    await publishEvents({ producer: run.producer, registry: run.registry, topic: run.topics.driverLicence, record: 'driverLicenceEvent', events });
    await run.waitUntilDrained(60_000);
  });

  afterAll(async () => {
    await run.cleanUp();
  });

  it('lists the dead letter with its source, record id and reason', async () => {
    const { stdout } = await dancu('dlq', 'list', '--source', 'driver-licence');
    expect(stdout).toMatch(/driver-licence\s+ingest\s+L-2\s+PAYLOAD_TOO_LARGE/);
    expect(stdout).toContain('1 dead letters');
  });

  it('filters the list by reason', async () => {
    const { stdout } = await dancu('dlq', 'list', '--reason', 'DECODE_FAILED');
    expect(stdout).toContain('0 dead letters');
  });

  it('shows where a dead letter came from and why, without its personal data', async () => {
    const { stdout } = await dancu('dlq', 'show', '0:0');
    expect(stdout).toContain(`from ${run.topics.driverLicence}`);
    expect(stdout).toContain('PAYLOAD_TOO_LARGE');
    expect(stdout).not.toContain(adults[1]!.full_name);
  });

  it('replays it after the fix, applying it once, and a second replay changes nothing', async () => {
    const before = await applied();
    await run.stopServices();
    run.env.DANCU_INGEST_MAX_EVENT_BYTES = String(1024 * 1024);
    await run.startServices();

    const first = await dancu('dlq', 'replay', '--reason', 'PAYLOAD_TOO_LARGE');
    expect(first.stdout).toContain('replayed 1 of 1');
    await run.waitUntilDrained(60_000);
    const afterFirst = await applied();
    expect(afterFirst).toEqual({ outcomes: before.outcomes + 1, updates: before.updates + 1 });
    const { rows } = await run.pool.query<{ citizen_id: string }>("select citizen_id from record_links where source_record_id = 'L-2'");
    expect(rows).toEqual([{ citizen_id: adults[1]!.citizen_id }]);

    await dancu('dlq', 'replay', '--positions', '0:0');
    await run.waitUntilDrained(60_000);
    expect(await applied()).toEqual(afterFirst);
  });
});
