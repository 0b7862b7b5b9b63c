import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineStatus } from '../../services/monitor/pipeline-status.js';
import { publishEvents } from '../../services/shared/kafka/publisher.js';
import type { PartitionLag } from '../../services/shared/kafka/lag.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { REPO_ROOT } from '../../services/shared/paths.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { generateSectorDay } from '../../services/shared/synth/sector-day.js';
import { IsolatedRun } from '../helpers/isolated-run.js';
import { waitUntil } from '../helpers/wait.js';

const exec = promisify(execFile);
const CHROMIUM = process.env.DANCU_CHROMIUM ?? '/usr/bin/chromium';
const BURST = 6000;

describe('operators see lag, throughput and health: metrics, the monitor, dancu lag and the dashboard', () => {
  const run = new IsolatedRun('monitoring');
  const url = (service: string, path: string) => `http://127.0.0.1:${run.httpPort(service)}${path}`;
  const status = async () => (await (await fetch(url('monitor', '/api/status'))).json()) as PipelineStatus;
  let peakLag = 0;

  beforeAll(async () => {
    const population = generatePopulation(3000, 71);
    await run.setUp({ register: population });
    await run.startServices({ monitor: true });
    await waitUntil(
      async () => (await status()).current?.health,
      (health) => health !== undefined && Object.values(health).every((h) => h.ready),
      60_000,
      'every service ready',
    );

    const { events } = generateSectorDay(
      population,
      { births: 0, deaths: 0, marriages: 0, nameChanges: 0, vaccinations: BURST, benefits: 0, licences: 0, invalidPerSource: 0 },
      72,
    );
    const publishing = publishEvents({
      producer: run.producer,
      registry: run.registry,
      topic: run.topics.vaccination,
      record: 'vaccinationEvent',
      events: events.vaccination,
    });
    // Watch the monitor while the burst goes in and through.
    const watching = (async () => {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const current = (await status()).current;
        const total = current ? Object.values(current.lagByGroup).reduce((sum, g) => sum + g.messages, 0) : 0;
        peakLag = Math.max(peakLag, total);
        if ((peakLag > 0 && total === 0 && current && current.outboxBacklog === 0) || Date.now() > deadline) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    await publishing;
    await watching;
    await run.waitUntilDrained(120_000);
  });

  afterAll(async () => {
    await run.cleanUp();
  });

  it('shows the lag rising while the burst is published and falling back to zero', async () => {
    expect(peakLag).toBeGreaterThan(0);
    const after = await waitUntil(
      status,
      (s) => s.current !== null && Object.values(s.current.lagByGroup).every((g) => g.messages === 0),
      30_000,
      'lag back to zero',
    );
    expect(Math.max(...after.history.map((h) => Object.values(h.lagByGroup).reduce((sum, g) => sum + g.messages, 0)))).toBeGreaterThan(0);
  });

  it('serves Prometheus metrics with the events each stage handled, per source', async () => {
    const text = await (await fetch(url('ingest', '/metrics'))).text();
    const count = (stage: string) => Number(new RegExp(`^dancu_events_in_total\\{stage="${stage}",source="vaccination"\\} (\\d+)`, 'm').exec(text)?.[1] ?? -1);
    expect({ ingest: count('ingest') >= BURST, linker: count('linker') >= BURST, store: count('store') >= BURST }).toEqual({
      ingest: true,
      linker: true,
      store: true,
    });
    expect(text).toMatch(/^dancu_decisions_total\{kind="LINK",/m);
    expect(text).toMatch(/^dancu_end_to_end_latency_seconds_bucket\{le="1",source="vaccination"\} \d+/m);
    expect(text).toMatch(/^dancu_store_write_seconds_count \d+/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });

  it("exports the linker's lookups skipped as generic for every blocking rule with a max_block_size", async () => {
    const text = await (await fetch(url('linker', '/metrics'))).text();
    const capped = loadSettings()
      .blocking_rules.filter((rule) => rule.max_block_size !== undefined)
      .map((rule) => rule.name);
    const exported = [...text.matchAll(/^dancu_generic_lookups_skipped_total\{rule="([^"]+)"\} \d+$/gm)].map((match) => match[1]);
    expect(exported.sort()).toEqual(capped.sort());
  });

  it("exports that the linker holds this small register's candidates in memory, as auto chooses", async () => {
    const text = await (await fetch(url('linker', '/metrics'))).text();
    expect(text).toMatch(/^dancu_linker_candidates_in_memory 1$/m);
  });

  it('exports kafka_consumergroup_lag and its seconds per group, topic and partition from the monitor', async () => {
    const text = await (await fetch(url('monitor', '/metrics'))).text();
    expect(text).toContain(`kafka_consumergroup_lag{consumergroup="${run.groups.linker}",topic="${run.topics.observations}",partition="0"} 0`);
    expect(text).toMatch(
      new RegExp(`^kafka_consumergroup_lag_seconds\\{consumergroup="${run.groups.store}",topic="${run.topics.decisions}",partition="\\d"\\} 0$`, 'm'),
    );
    expect(text).toMatch(/^dancu_review_backlog \d+/m);
  });

  it('answers /healthz and /readyz on every service, naming each dependency it checked', async () => {
    for (const service of ['ingest', 'linker', 'store', 'monitor']) {
      expect((await fetch(url(service, '/healthz'))).status).toBe(200);
      const ready = await fetch(url(service, '/readyz'));
      const body = (await ready.json()) as { ready: boolean; checks: Record<string, { ok: boolean }> };
      expect({ service, status: ready.status, ready: body.ready, kafka: body.checks.kafka?.ok }).toEqual({ service, status: 200, ready: true, kafka: true });
    }
  });

  it('reports the end-to-end latency percentiles of the burst', async () => {
    const { rows } = await run.pool.query<{ n: string; p99: number }>(
      "select count(*) as n, percentile_cont(0.99) within group (order by latency_ms) as p99 from observation_outcomes where source = 'vaccination'",
    );
    expect(Number(rows[0]?.n)).toBe(BURST);
    expect(rows[0]?.p99).toBeGreaterThan(0);
  });

  it('prints the lag table with dancu lag, at zero once drained', async () => {
    const { stdout } = await exec('node', [join(REPO_ROOT, 'bin', 'dancu.js'), 'lag', '--json'], { cwd: REPO_ROOT, env: run.env });
    const lags = JSON.parse(stdout) as PartitionLag[];
    expect(new Set(lags.map((l) => l.groupId))).toEqual(new Set([run.groups.ingest, run.groups.linker, run.groups.store]));
    expect(lags.filter((l) => l.lag !== 0 || l.lagSeconds !== 0)).toEqual([]);
  });

  describe('the dashboard in a browser', () => {
    let browser: Browser;

    beforeAll(async () => {
      if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: .ci/run installs Debian's chromium package`);
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
    });

    afterAll(async () => {
      await browser?.close();
    });

    it('shows every service ready, the lag back at zero, the history charts and the four qualities of the register, refreshing by itself', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
      await page.goto(url('monitor', '/'));
      for (const service of ['ingest', 'linker', 'store'])
        await page.locator(`[data-service="${service}"]`).filter({ hasText: 'ready' }).waitFor({ timeout: 15_000 });
      expect(await page.locator('#lag-total').textContent()).toBe('0');
      expect(await page.locator('#lag-chart path').count()).toBe(3);
      expect(await page.locator('#quality tr td:first-child').allTextContents()).toEqual(['correct', 'complete', 'clean', 'live']);
      const first = await page.locator('#updated').textContent();
      await page
        .locator('#updated')
        .filter({ hasNotText: first ?? '' })
        .waitFor({ timeout: 10_000 });
      await page.screenshot({ path: join(REPO_ROOT, 'docs', 'dashboard.png'), fullPage: true });
      await page.close();
    });
  });
});
