import type { Logger } from 'pino';
import type { PipelineRun } from '../../services/cli/pipeline-run.js';
import { startServices } from '../../services/cli/service-catalogue.js';
import { publishEvents } from '../../services/shared/kafka/publisher.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import type { RunningService } from '../../services/shared/service/stage-service.js';
import { scanForDuplicates } from '../../services/shared/review/duplicate-scan.js';
import type { Pool } from '../../services/shared/store/db.js';
import { saveUser, type Role } from '../../services/shared/review/steward-users.js';
import { generatePopulation, type SyntheticCitizen } from '../../services/shared/synth/population.js';
import { generateHardCases, type HardCases } from '../../services/shared/synth/review-cases.js';
import { IsolatedRun } from './isolated-run.js';
import { waitUntil } from './wait.js';

export const PASSWORD = 'correct horse battery staple';

export const USERS: Record<string, Role> = { alice: 'steward', bob: 'steward', vera: 'viewer', ada: 'admin', sam: 'supervisor' };

/** A pipeline whose register and records leave review cases of every kind, with the steward service and its users. */
export interface StewardRun {
  run: PipelineRun;
  hard: HardCases;
  baseUrl: string;
  /** The steward service's management port: /metrics and /readyz. */
  managementUrl: string;
  close(): Promise<void>;
}

/** `citizens`: more people for the register, beside the synthetic population and the hard cases' own. */
export async function startStewardRun(prefix: string, logger: Logger, env: NodeJS.ProcessEnv = {}, citizens: SyntheticCitizen[] = []): Promise<StewardRun> {
  const run = new IsolatedRun(prefix, logger);
  const population = generatePopulation(400, 4242);
  const hard = generateHardCases(population, 3, 17);
  await run.setUp({ register: [...population, ...hard.register, ...citizens] });
  await run.startServices();
  const steward: RunningService[] = await startServices(['steward'], { ...run.env, ...env }, logger, run.metrics);
  for (const [username, role] of Object.entries(USERS)) await saveUser(run.pool, username, PASSWORD, role);
  await publishEvents({ producer: run.producer, registry: run.registry, topic: run.topics.vaccination, record: 'vaccinationEvent', events: hard.vaccinations });
  await waitUntil(
    () => run.countOf('select count(*) as n from observation_outcomes'),
    (n) => n >= hard.vaccinations.length,
    60_000,
    'hard records applied',
  );
  await run.waitUntilDrained(60_000);
  await scanForDuplicates(run.pool, loadSettings());
  return {
    run,
    hard,
    baseUrl: `http://127.0.0.1:${steward[0]!.httpPort}`,
    managementUrl: `http://127.0.0.1:${steward[0]!.managementPort}`,
    async close() {
      for (const service of steward) await service.stop();
      await run.cleanUp();
    },
  };
}

/** An API client signed in with a bearer token, as scripts and other systems call the steward API. */
export class StewardClient {
  private constructor(
    private readonly baseUrl: string,
    private readonly pool: Pool,
    readonly token: string,
  ) {}

  static async signIn({ baseUrl, run }: Pick<StewardRun, 'baseUrl' | 'run'>, username: string, password = PASSWORD): Promise<StewardClient> {
    const response = await fetch(`${baseUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (response.status !== 200) throw new Error(`sign-in of ${username} failed with ${response.status}`);
    const body = (await response.json()) as { token: string };
    return new StewardClient(baseUrl, run.pool, body.token);
  }

  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, ...extraHeaders };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  }

  /** Decides a case and waits until the store has applied (or refused) the decision. */
  async decideAndWait(caseId: number, decision: Record<string, unknown>): Promise<AppliedDecision> {
    const { status, body } = await this.call<{ decision_id: string; message?: string }>('POST', `/api/cases/${caseId}/decisions`, decision);
    if (status !== 202) throw new Error(`decision refused with ${status}: ${body.message}`);
    return this.waitApplied(body.decision_id);
  }

  async undoAndWait(caseId: number, decisionId: string, comment: string): Promise<AppliedDecision> {
    const { status, body } = await this.call<{ decision_id: string; message?: string }>(
      'POST',
      `/api/cases/${caseId}/decisions/${encodeURIComponent(decisionId)}/undo`,
      { comment },
    );
    if (status !== 202) throw new Error(`undo refused with ${status}: ${body.message}`);
    return this.waitApplied(body.decision_id);
  }

  /** Waits on the status call (what the UI polls), then reads what the store recorded from the register itself. */
  async waitApplied(decisionId: string): Promise<AppliedDecision> {
    await waitUntil(
      async () => (await this.call<{ status: string }>('GET', `/api/decisions/${encodeURIComponent(decisionId)}`)).body,
      (d) => d.status !== 'pending',
      30_000,
      `decision ${decisionId} applied`,
    );
    const { rows } = await this.pool.query<AppliedDecision>(
      'select decision_id, case_id::int as case_id, action, applied_at, result, undone_by from steward_decisions where decision_id = $1',
      [decisionId],
    );
    return rows[0]!;
  }
}

export interface AppliedDecision {
  decision_id: string;
  case_id: number;
  action: string;
  applied_at: string | null;
  result: { status: 'applied' | 'refused'; result?: Record<string, unknown>; reason?: string };
  undone_by: string | null;
}

/** Open cases by reason, with the source record each is about (null for duplicate pairs) and the citizens it asks about (both of a duplicate pair). */
/** An open record case with two candidates whose evidence is strongly against merging them (different personal IDs and birth years). */
export async function casePairEvidenceIsAgainst(run: PipelineRun): Promise<{ case_id: number; a: string; b: string }> {
  const { rows } = await run.pool.query<{ case_id: number; a: string; b: string }>(
    `select r.case_id::int as case_id, x.citizen_id as a, y.citizen_id as b
       from review_cases r
       cross join lateral jsonb_array_elements(r.candidates) cx
       cross join lateral jsonb_array_elements(r.candidates) cy
       join citizens x on x.citizen_id = cx->>'citizen_id'
       join citizens y on y.citizen_id = cy->>'citizen_id'
      where r.status <> 'DECIDED' and r.reason <> 'POSSIBLE_DUPLICATE' and x.citizen_id < y.citizen_id
        and x.personal_id <> y.personal_id and left(x.date_of_birth, 4) <> left(y.date_of_birth, 4)
      order by r.case_id limit 1`,
  );
  if (!rows[0]) throw new Error('no open case has two candidates the evidence is against merging');
  return rows[0];
}

export async function openCases(run: PipelineRun): Promise<{ case_id: number; reason: string; record: string | null; candidates: string[] }[]> {
  const { rows } = await run.pool.query<{ case_id: number; reason: string; record: string | null; candidates: string[] }>(
    `select case_id::int as case_id, reason, observation->>'source_record_id' as record,
            array(select observation->>'citizen_id' where observation ? 'citizen_id' union all select c->>'citizen_id' from jsonb_array_elements(candidates) c) as candidates
       from review_cases where status <> 'DECIDED' order by case_id`,
  );
  return rows;
}
