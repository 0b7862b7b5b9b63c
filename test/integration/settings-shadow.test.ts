import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../services/shared/paths.js';
import { loadSettings, saveSettings } from '../../services/shared/linkage/settings.js';
import type { ShadowReport } from '../../services/shared/linkage-io/shadow-run.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { generateSectorDay } from '../../services/shared/synth/sector-day.js';
import { IsolatedRun } from '../helpers/isolated-run.js';
import { encodeDay, sendInOrder } from '../helpers/sector-stream.js';

const exec = promisify(execFile);

const POPULATION = generatePopulation(300, 727);
const DAY = generateSectorDay(
  POPULATION,
  { births: 20, deaths: 10, marriages: 4, nameChanges: 4, vaccinations: 60, benefits: 40, licences: 20, invalidPerSource: 1 },
  7270,
  new Date('2026-11-25T12:00:00Z'),
);

/** Every table a shadow run could write to if it wrote anything, counted. */
const WRITTEN = ['citizens', 'record_links', 'review_cases', 'unlinked_records', 'outbox', 'audit_log', 'field_provenance', 'linkage_settings'];

describe('dancu settings shadow: what a settings change would do, without doing it', () => {
  const run = new IsolatedRun('shadow');
  const dir = mkdtempSync(join(tmpdir(), 'dancu-shadow-'));
  const current = loadSettings();
  const files = {
    same: join(dir, 'same.json'),
    strict: join(dir, 'strict.json'),
    otherBlocking: join(dir, 'other-blocking.json'),
  };
  let counted: () => Promise<number[]>;

  const shadow = async (...args: string[]): Promise<ShadowReport> => {
    const { stdout } = await exec('node', [join(REPO_ROOT, 'bin', 'dancu.js'), 'settings', 'shadow', '--json', ...args], { cwd: REPO_ROOT, env: run.env });
    return JSON.parse(stdout) as ShadowReport;
  };

  beforeAll(async () => {
    saveSettings({ ...current, description: 'the same settings, described otherwise' }, files.same);
    saveSettings({ ...current, thresholds: { ...current.thresholds, link_probability: 0.99999999 } }, files.strict);
    saveSettings(
      { ...current, blocking_rules: [...current.blocking_rules, { ...current.blocking_rules[0]!, name: 'a_rule_never_indexed' }] },
      files.otherBlocking,
    );
    await run.setUp({ register: POPULATION });
    await run.startServices();
    await sendInOrder(run.producer, await encodeDay(run.registry, run.topics, DAY));
    await run.waitUntilDrained(120_000);
    await run.stopServices();
    counted = () => Promise.all(WRITTEN.map((table) => run.countOf(`select count(*) as n from ${table}`)));
  }, 300_000);

  afterAll(() => run.cleanUp());

  it('finds no decision that would change when the candidate is the current settings', async () => {
    const report = await shadow('--candidate', files.same);
    expect(report.compared).toBeGreaterThan(150);
    expect(report.candidateVersion).toBe(report.currentVersion);
    expect(report.changed).toBe(0);
  });

  it('reports links that a stricter link threshold would send to review, each example explained both ways', async () => {
    const report = await shadow('--candidate', files.strict);
    const toReview = report.changes.find((change) => change.transition === 'LINK → REVIEW');
    expect(toReview?.count).toBeGreaterThan(0);
    const example = toReview!.examples[0]!;
    expect(example.current.explanation?.comparisons.length).toBe(current.comparisons.length);
    expect(example.candidate.explanation?.summary).toMatch(/between the review and link thresholds/);
    expect(report.changes.every((change) => change.transition !== 'REVIEW → LINK')).toBe(true);
  });

  it('writes nothing to the register', async () => {
    const before = await counted();
    await shadow('--candidate', files.strict);
    expect(await counted()).toEqual(before);
  });

  it('compares only the sample asked for', async () => {
    const report = await shadow('--candidate', files.strict, '--sample', '40');
    expect(report.compared).toBe(40);
    expect(report.available).toBeGreaterThan(40);
  });

  it('refuses in one line a candidate whose blocking rules the register has no keys for', async () => {
    const failed = await shadow('--candidate', files.otherBlocking).then(
      () => null,
      (error: { stderr: string; code: number }) => error,
    );
    expect(failed?.code).not.toBe(0);
    expect(failed?.stderr.trim().split('\n')).toHaveLength(1);
    expect(failed?.stderr).toMatch(/blocking/);
  });
});
