import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest, type BackupManifest } from '../../services/cli/backup/manifest.js';
import { DEFAULT_PARTITIONS } from '../../services/shared/kafka/client.js';
import { totalLag } from '../../services/shared/kafka/lag.js';
import { REPO_ROOT } from '../../services/shared/paths.js';
import { loadRecordSchema } from '../../services/shared/schemas/avro-files.js';
import type { StewardDecision } from '../../services/shared/schemas/records.js';
import { valueSubject } from '../../services/shared/schemas/topics.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { generateSectorDay } from '../../services/shared/synth/sector-day.js';
import { generateHardCases } from '../../services/shared/synth/review-cases.js';
import { publishEvents } from '../../services/shared/kafka/publisher.js';
import { IsolatedRun } from '../helpers/isolated-run.js';
import { dropDatabase, uniqueName } from '../helpers/real-stack.js';
import { registerSnapshot, snapshotDifferences, type RegisterSnapshot } from '../helpers/register-snapshot.js';
import { encodeDay, sendInOrder, shuffled } from '../helpers/sector-stream.js';
import { header, readTopic } from '../helpers/topic-reader.js';
import { waitUntil } from '../helpers/wait.js';

const exec = promisify(execFile);

const POPULATION = generatePopulation(300, 2020);
/** Records planted to need a steward (contradicted IDs, namesakes, people registered twice): one of each kind before the backup, one after. */
const HARD = generateHardCases(POPULATION, 2, 2022, new Date('2026-12-01T12:00:00Z'));
const [HARD_MORNING, HARD_AFTERNOON] = [HARD.vaccinations.filter((_, i) => i % 2 === 0), HARD.vaccinations.filter((_, i) => i % 2 === 1)];
const DAY = generateSectorDay(
  POPULATION,
  { births: 30, deaths: 12, marriages: 6, nameChanges: 6, vaccinations: 90, benefits: 60, licences: 30, invalidPerSource: 1 },
  2021,
  new Date('2026-12-01T12:00:00Z'),
);

/** Everything the register holds that a restore must bring back, each row without the ids and times that only say how and when it was written. */
interface RegisterState {
  snapshot: RegisterSnapshot;
  provenance: unknown[];
  reviewCases: unknown[];
  outcomes: unknown[];
  findings: unknown[];
  versions: unknown[];
  stewards: unknown[];
  outbox: unknown[];
}

async function registerState(run: IsolatedRun): Promise<RegisterState> {
  const rows = async (sql: string) => (await run.pool.query(sql)).rows;
  return {
    snapshot: await registerSnapshot(run.pool),
    provenance: await rows(
      `select citizen_id, field, value, source, source_system, source_record_id, observation_id, event_time, rule, is_current
         from field_provenance order by citizen_id, field, observation_id, value`,
    ),
    reviewCases: await rows(
      `select observation_id, decision_id, reason, source, status, settings_version, rechecks,
              (select jsonb_agg(c -> 'citizen_id' order by ord) from jsonb_array_elements(candidates) with ordinality as x(c, ord)) as candidates
         from review_cases order by observation_id`,
    ),
    outcomes: await rows(
      'select decision_id, observation_id, source, event_type, outcome, citizen_id, fields_filled from observation_outcomes order by decision_id',
    ),
    findings: await rows('select observation_id, code, field, citizen_id, stage from quality_findings order by observation_id, code, field'),
    versions: await rows('select citizen_id, version from citizen_versions order by citizen_id'),
    stewards: [
      ...(await rows(
        `select d.decision_id, r.observation_id, d.action, d.citizen_id, d.result ->> 'status' as status from steward_decisions d join review_cases r using (case_id) order by d.decision_id`,
      )),
      ...(await rows(
        'select kind, subject, citizen_id, decision_id, revoked_at is not null as revoked from linkage_constraints order by decision_id, subject',
      )),
    ],
    outbox: await rows(
      `select event_id, topic, message_key, record_type, citizen_version, payload - 'applied_at' as payload, published_at is not null as published
         from outbox order by event_id`,
    ),
  };
}

/** A steward's LINK of an open case to its first candidate, published as the steward service publishes it. */
async function publishStewardLink(run: IsolatedRun, reviewCase: { case_id: number; citizen_id: string }): Promise<StewardDecision> {
  const topic = run.topics.stewardDecisions;
  const schemaId = await run.registry.register(valueSubject(topic), loadRecordSchema('stewardDecision').text);
  const decision: StewardDecision = {
    decision_id: `steward:${uniqueName('drill')}`,
    case_id: reviewCase.case_id,
    action: 'LINK',
    citizen_id: reviewCase.citizen_id,
    other_citizen_id: null,
    undoes: null,
    actor: 'drill',
    comment: 'the record is this citizen',
    decided_at: Date.now(),
  };
  await run.producer.send({ topic, messages: [{ key: String(decision.case_id), value: await run.registry.encode(schemaId, decision) }], acks: -1 });
  return decision;
}

/** An open case of a record (not a duplicate pair) opened before or after a moment, and its first candidate. */
async function openCase(run: IsolatedRun, opened: 'before' | 'after', at: string): Promise<{ case_id: number; citizen_id: string; observation_id: string }> {
  const { rows } = await run.pool.query<{ case_id: number; citizen_id: string; observation_id: string }>(
    `select case_id::int as case_id, candidates -> 0 ->> 'citizen_id' as citizen_id, observation_id from review_cases
      where status = 'OPEN' and reason <> 'POSSIBLE_DUPLICATE' and jsonb_array_length(candidates) > 0
        and case when $1 = 'before' then created_at < $2::timestamptz else created_at > $2::timestamptz end
      order by case_id limit 1`,
    [opened, at],
  );
  if (!rows[0]) throw new Error(`no open case opened ${opened} ${at}`);
  return rows[0];
}

describe('backup and restore: a register destroyed after its backup comes back whole by replaying Kafka', () => {
  const run = new IsolatedRun('restore');
  const folder = mkdtempSync(join(tmpdir(), 'dancu-backup-'));
  const backupDir = join(folder, 'backup');
  const cli = (args: string[]) => exec('node', [join(REPO_ROOT, 'bin', 'dancu.js'), ...args], { cwd: REPO_ROOT, env: run.env });
  let manifest: BackupManifest;
  let restoreOutput: string;
  let withoutLoss: RegisterState;
  let restored: RegisterState;
  let updateIdsPublished: Set<string>;
  /** A steward's decision after the backup on a case the copy has: replayed. One on a case opened after the backup, published once the register was lost: set aside. */
  let replayedDecision: StewardDecision;
  let setAsideDecision: StewardDecision;
  let setAsideCase: string;
  let setAsideAudit: number;
  /** Dead letters on the topic before the loss, and after the replay. */
  let deadLetters: { before: number; after: number };

  beforeAll(async () => {
    await run.setUp({ register: [...POPULATION, ...HARD.register] });
    const publishHard = (events: unknown[]) =>
      publishEvents({ producer: run.producer, registry: run.registry, topic: run.topics.vaccination, record: 'vaccinationEvent', events });
    await run.startServices();
    // The day in an order drawn once, each source's records keyed as the sources key them: the
    // morning before the backup, a burst still in flight while it is taken, the afternoon after.
    const day = shuffled(await encodeDay(run.registry, run.topics, DAY), 7, DEFAULT_PARTITIONS).map(({ topic, message }) => ({
      topic,
      message: { key: message.key, value: message.value },
    }));
    const [morning, burst, afternoon] = [day.slice(0, 160), day.slice(160, 240), day.slice(240)];
    await sendInOrder(run.producer, morning);
    await publishHard(HARD_MORNING);
    await run.waitUntilDrained(120_000);
    await sendInOrder(run.producer, burst);
    await cli(['backup', '--out', backupDir, '--jobs', '2']);
    manifest = parseManifest(readFileSync(join(backupDir, 'manifest.json'), 'utf8'), 'manifest.json');
    await sendInOrder(run.producer, afternoon);
    await publishHard(HARD_AFTERNOON);
    replayedDecision = await publishStewardLink(run, await openCase(run, 'before', manifest.startedAt));
    await run.waitUntilDrained(120_000);
    withoutLoss = await registerState(run);
    const deadLettersBefore = await run.messageCount(run.topics.deadLetters);

    // The loss: the services stop, a steward's decision on a case opened after the backup is
    // still on its way, and the database is dropped.
    await run.stopServices();
    const lateCase = await openCase(run, 'after', manifest.finishedAt);
    setAsideCase = lateCase.observation_id;
    setAsideDecision = await publishStewardLink(run, lateCase);
    await dropDatabase(run.databaseUrl);
    restoreOutput = (await cli(['restore', '--from', backupDir])).stdout;
    // As the restore says: the store alone until it has caught up, then the rest.
    await run.startService('store');
    await waitUntil(
      async () =>
        (await Promise.all([run.topics.decisions, run.topics.stewardDecisions].map((topic) => totalLag(run.admin, run.groups.store, topic)))).reduce(
          (a, b) => a + b,
        ),
      (lag) => lag === 0,
      120_000,
      'the store caught up',
    );
    await run.startService('linker');
    await run.startService('ingest');
    await run.waitUntilDrained(120_000);
    restored = await registerState(run);
    deadLetters = { before: deadLettersBefore, after: await run.messageCount(run.topics.deadLetters) };
    setAsideAudit = await run.countOf(`select count(*) as n from audit_log where action = 'STEWARD_DECISION_SET_ASIDE' and details ->> 'decision_id' = $1`, [
      setAsideDecision.decision_id,
    ]);
    const updates = await readTopic(run.kafka, run.topics.populationUpdates, await run.messageCount(run.topics.populationUpdates));
    updateIdsPublished = new Set(updates.map((message) => header(message, 'id') ?? ''));
  }, 600_000);

  afterAll(async () => {
    await run.cleanUp();
    rmSync(folder, { recursive: true, force: true });
  });

  it('backs up a register the pipeline was changing, so the restore has decisions to replay', () => {
    expect([withoutLoss.snapshot.links.length > 200, /(\d[\d,]*) decisions to replay/.exec(restoreOutput)?.[1] !== '0']).toEqual([true, true]);
  });

  it("takes the offsets of the store's decisions from the copy itself, and replays the stewards' topic, empty then, from its start", () => {
    const offsets = manifest.groups[run.groups.store] ?? [];
    expect(offsets.map((o) => `${o.topic}[${o.partition}] ${o.basis}`).sort()).toEqual(
      [
        ...Array.from({ length: DEFAULT_PARTITIONS }, (_, p) => `${run.topics.decisions}[${p}] register`),
        ...Array.from({ length: DEFAULT_PARTITIONS }, (_, p) => `${run.topics.stewardDecisions}[${p}] earliest`),
      ].sort(),
    );
  });

  it("replays a steward's decision on a case the copy has, as it was applied", () => {
    const applied = (state: RegisterState) => (state.outcomes as { decision_id: string }[]).some((row) => row.decision_id === replayedDecision.decision_id);
    expect([applied(withoutLoss), applied(restored)]).toEqual([true, true]);
  });

  it("sets aside a steward's decision on a case opened after the backup, says so, and leaves the case open", () => {
    const open = (restored.reviewCases as { observation_id: string; status: string }[]).find((row) => row.observation_id === setAsideCase)?.status;
    expect([restoreOutput.includes(`${setAsideDecision.decision_id}  LINK on case ${setAsideDecision.case_id} by drill`), setAsideAudit, open]).toEqual([
      true,
      1,
      'OPEN',
    ]);
  });

  it('dead-letters nothing while it replays', () => {
    expect(deadLetters.after).toBe(deadLetters.before);
  });

  it('ends with the same citizens, links, facts, unlinked records and open cases as without the loss', () => {
    expect(snapshotDifferences(restored.snapshot, withoutLoss.snapshot)).toEqual({});
  });

  it("ends with the same history of every citizen's fields", () => {
    expect(restored.provenance).toEqual(withoutLoss.provenance);
  });

  it('ends with the same review cases, up to their numbers', () => {
    expect(restored.reviewCases).toEqual(withoutLoss.reviewCases);
  });

  it('ends with the same outcomes, findings and citizen versions', () => {
    const { outcomes, findings, versions } = restored;
    expect({ outcomes, findings, versions }).toEqual({ outcomes: withoutLoss.outcomes, findings: withoutLoss.findings, versions: withoutLoss.versions });
  });

  it("ends with the same stewards' decisions and what they taught the linker", () => {
    expect(restored.stewards).toEqual(withoutLoss.stewards);
  });

  it('ends with the same outbox, every row published', () => {
    expect(restored.outbox).toEqual(withoutLoss.outbox);
  });

  it('publishes no update that the register without the loss did not publish', () => {
    const expected = new Set(
      (withoutLoss.outbox as { event_id: string; topic: string }[]).filter((row) => row.topic === run.topics.populationUpdates).map((row) => row.event_id),
    );
    expect([...updateIdsPublished].sort()).toEqual([...expected].sort());
  });

  it('refuses to restore while the store consumes, saying so in one line', async () => {
    const failure = await cli(['restore', '--from', backupDir, '--force']).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect([failure?.code, failure?.stderr.trim()]).toEqual([
      1,
      `dancu: the consumer group ${run.groups.store} has 1 active member: stop every store (\`dancu run store\`) first`,
    ]);
  });

  it('refuses to restore while a linker consumes, saying so in one line: its copy of the register in memory would outlive the loss', async () => {
    await run.stopService('store');
    const failure = await cli(['restore', '--from', backupDir, '--force']).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect([failure?.code, failure?.stderr.trim()]).toEqual([
      1,
      `dancu: the consumer group ${run.groups.linker} has 1 active member: stop every linker (\`dancu run linker\`) first`,
    ]);
  });

  it('refuses to restore over a database that holds a register, without --force', async () => {
    await run.stopServices();
    const failure = await cli(['restore', '--from', backupDir]).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect([failure?.code, failure?.stderr]).toEqual([
      1,
      expect.stringMatching(/is not empty: restore into a new database, or add --force to drop it first\n$/),
    ]);
  });
});
