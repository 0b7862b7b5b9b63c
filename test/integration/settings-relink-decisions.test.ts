import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { settingsVersion } from '../../services/shared/linkage/settings-version.js';
import { applyStewardDecision, type StewardContext } from '../../services/shared/review/steward-apply.js';
import { insertStewardDecision } from '../../services/shared/review/steward-decisions.js';
import type { LinkDecision, PersonObservation, StewardDecision } from '../../services/shared/schemas/records.js';
import { topicsFor } from '../../services/shared/schemas/topics.js';
import { applyDecisions, type ApplyResult } from '../../services/shared/store/apply-decisions.js';
import { inTransaction, type PoolClient } from '../../services/shared/store/db.js';
import { duplicateCaseId, mergeCitizens, mergeCitizensIn, undoMerge } from '../../services/shared/store/citizen-merges.js';
import { recordKeysOf } from '../../services/shared/store/plan/record-keys.js';
import { lockKeys } from '../../services/shared/store/records-in-reach.js';
import { recordSettingsChange } from '../../services/shared/store/settings-promotion.js';
import { currentOrBootstrap, currentSettingsVersion } from '../../services/shared/store/settings-versions.js';
import { CONTEXT, decision, observation, strangerPerson } from '../fixtures/link-decisions.js';
import { IsolatedDatabase } from '../helpers/isolated-run.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * The store's side of a settings change, against PostgreSQL without the services: records sent
 * back by recordSettingsChange, the linker's new decisions applied as the store applies them, and
 * stewards deciding the cases they open; beside them, for the register's own claims an undo takes
 * back, stewards deciding cases of other kinds (a record never linked, a pair registered twice).
 * Synthetic people only.
 */
describe('decisions on records a settings change sent back, and the stewards’ decisions on their cases', () => {
  const database = new IsolatedDatabase('settings-relinks');
  const original = loadSettings();
  const strict = { ...original, thresholds: { ...original.thresholds, link_probability: 0.99999999 } };
  const context: StewardContext = { ...CONTEXT, settings: original, topics: topicsFor('settings-relinks') };
  const A = '079300000101';
  const B = '079300000202';
  let stewardSequence = 0;

  const apply = (decisions: LinkDecision[]): Promise<ApplyResult[]> => inTransaction(database.pool, (client) => applyDecisions(client, decisions, context));

  /** A promotion of the strict settings, or the rollback from them: either sends the observations back; returns each at the attempt it was sent. */
  const sendBack = async (...observations: PersonObservation[]): Promise<PersonObservation[]> => {
    const current = (await currentSettingsVersion(database.pool))!;
    const promote = current === settingsVersion(original);
    await recordSettingsChange(database.pool, {
      action: promote ? 'PROMOTE' : 'ROLLBACK',
      settings: promote ? strict : original,
      from: current,
      actor: 'test',
      report: { currentVersion: current, candidateVersion: settingsVersion(promote ? strict : original) },
      relinks: observations,
      observationsTopic: context.topics.observations,
    });
    const { rows } = await database.pool.query<{ observation_id: string; attempt: number }>(
      'select observation_id, max(attempt)::int as attempt from settings_relinks where observation_id = any($1::text[]) group by observation_id',
      [observations.map((o) => o.observation_id)],
    );
    const attempts = new Map(rows.map((row) => [row.observation_id, row.attempt]));
    return observations.map((o) => ({ ...o, attempt: attempts.get(o.observation_id)! }));
  };

  /** The linker's decision on a record sent back, made with the strict settings. */
  const redecided = (o: PersonObservation, kind: 'LINK' | 'REVIEW', citizenId: string | null = null): LinkDecision =>
    decision(kind, o, {
      citizen_id: citizenId,
      reason: kind === 'LINK' ? 'ABOVE_THRESHOLD' : 'BETWEEN_THRESHOLDS',
      candidates: [{ citizen_id: citizenId ?? A, score: 0.9 }],
      settings_version: settingsVersion(strict),
      decision_id: `${o.observation_id}:decision:${o.attempt}`,
    });

  /** A steward's decision on a case, the next of the test's; an UNDO names the decision it undoes, a MERGE the citizen merged into the survivor (`citizenId`). */
  const stewardDecision = (
    caseId: number,
    action: 'LINK' | 'NEW' | 'REJECT' | 'MERGE' | 'UNDO',
    citizenId: string | null,
    undoes: string | null = null,
    otherCitizenId: string | null = null,
  ): StewardDecision => {
    stewardSequence += 1;
    return {
      decision_id: `steward-${stewardSequence}`,
      case_id: caseId,
      action,
      citizen_id: citizenId,
      other_citizen_id: otherCitizenId,
      undoes,
      actor: 'steward.test',
      // A merge and its undo need one; the other decisions take it as given.
      comment: 'decided by the test',
      decided_at: Date.now(),
    };
  };

  /** A steward's decision on a case, applied as the store applies it. */
  const steward = async (...args: Parameters<typeof stewardDecision>) =>
    inTransaction(database.pool, (client) => applyStewardDecision(client, stewardDecision(...args), context));

  /** A vaccination record without a personal ID of a synthetic person: the fixture's, with the fields given. */
  const vaccinationRecord = (person: Partial<PersonObservation['person']>): PersonObservation =>
    observation({
      source: 'vaccination',
      source_system: 'vacc-test',
      event_type: 'VACCINATION',
      event_date: '2026-02-10',
      attributes: { vaccine: 'BCG' },
      person: { personal_id: null, ...person },
    });

  /** A vaccination record of a synthetic person, linked to citizen A (or the one given) at its first attempt. */
  const vaccinationOfA = async (citizenId = A): Promise<PersonObservation> => {
    const o = vaccinationRecord({ full_name: 'Nguyễn Văn An', name_key: 'nguyen van an', family_name: 'Nguyễn', middle_name: 'Văn', given_name: 'An' });
    expect(await apply([decision('LINK', o, { citizen_id: citizenId })])).toEqual(['FACT_RECORDED']);
    return o;
  };

  const caseOf = async (o: PersonObservation) =>
    (
      await database.pool.query<{ case_id: number; reason: string; status: string; decided_by: string | null; resolution: string | null }>(
        'select case_id::int as case_id, reason, status, decided_by, resolution from review_cases where observation_id = $1',
        [o.observation_id],
      )
    ).rows[0];
  const factsOf = async (o: PersonObservation) =>
    (
      await database.pool.query<{ citizen_id: string; live: boolean }>(
        'select citizen_id, withdrawn_at is null as live from citizen_facts where observation_id = $1 order by citizen_id',
        [o.observation_id],
      )
    ).rows;
  const claimsOf = async (o: PersonObservation) =>
    (await database.pool.query<{ citizen_id: string }>('select distinct citizen_id from field_provenance where observation_id = $1', [o.observation_id])).rows;
  const linkOf = async (o: PersonObservation) =>
    (
      await database.pool.query<{ citizen_id: string; method: string }>(
        'select citizen_id, method from record_links where source = $1 and source_system = $2 and source_record_id = $3',
        [o.source, o.source_system, o.source_record_id],
      )
    ).rows[0];

  const waitingOf = async (o: PersonObservation) =>
    (await database.pool.query('select resolved_at, resolution from unlinked_records where observation_id = $1', [o.observation_id])).rows;

  /** How many sessions of the database wait for a lock, seen from a connection in a transaction (whose activity statistics are read once unless cleared). */
  const lockWaits = async (client: PoolClient) => {
    await client.query('select pg_stat_clear_snapshot()');
    const { rows } = await client.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
    );
    return rows[0]!.n;
  };

  /**
   * A steward's decision started while a chunk of the store (or a merge) holds its first locks
   * (`held`), the chunk's next lock (citizen `next`, if any) taken once the decision waits, and the
   * chunk committed: what the decision ends with (its error, when PostgreSQL aborted it to break a circle).
   */
  const decidedAgainstChunk = async (held: (chunk: PoolClient) => Promise<unknown>, next: string | null, decide: () => Promise<unknown>) => {
    const chunk = await database.pool.connect();
    try {
      await chunk.query('begin');
      await held(chunk);
      const decided = decide().catch((error: unknown) => error);
      await waitUntil(
        () => lockWaits(chunk),
        (n) => n > 0,
        20_000,
        'the steward decision waiting for the chunk',
      );
      if (next) await chunk.query('select 1 from citizens where citizen_id = $1 for update', [next]);
      await chunk.query('commit');
      return await decided;
    } catch (error) {
      await chunk.query('rollback');
      throw error;
    } finally {
      chunk.release();
    }
  };

  /** The steward decision made last, for an undo to name. */
  const lastStewardDecision = () => `steward-${stewardSequence}`;

  /** A later observation of the same record (an update at the source, `minutes` after it), linked where the record is: to A unless said. */
  const laterObservationOf = async (o: PersonObservation, minutes = 1, citizenId = A): Promise<PersonObservation> => {
    const update = observation({
      ...o,
      observation_id: `${o.observation_id}-update-${minutes}`,
      change_type: 'UPDATE',
      event_time: o.event_time + minutes * 60_000,
      event_date: '2026-02-11',
      attributes: { vaccine: 'BCG', dose: String(minutes + 1) },
      person: o.person,
      attempt: 0,
    });
    expect(await apply([decision('LINK', update, { citizen_id: citizenId })])).toEqual(['FACT_RECORDED']);
    return update;
  };

  /**
   * What the register holds about a record and the two citizens it could be linked to: its link,
   * facts and field history (row ids included), the outcomes of its observations, its case, the
   * stewards' constraints on it that stand, and both citizens' fields.
   */
  const registerStateOf = async (o: PersonObservation) => {
    const record = [o.source, o.source_system, o.source_record_id];
    const rows = async (sql: string, params: unknown[] = record) => (await database.pool.query(sql, params)).rows;
    return {
      link: await rows(
        "select citizen_id, decision_id, method, score, reason, observation->>'observation_id' as observation_id from record_links where source = $1 and source_system = $2 and source_record_id = $3",
      ),
      facts: await rows(
        'select id, citizen_id, observation_id, kind, withdrawn_at from citizen_facts where source = $1 and source_system = $2 and source_record_id = $3 order by id',
      ),
      claims: await rows(
        'select id, citizen_id, field, value, rule, is_current from field_provenance where source = $1 and source_system = $2 and source_record_id = $3 order by id',
      ),
      outcomes: await rows(
        // An undone decision's own outcome stays, marked UNDONE: the others are as they were.
        `select decision_id, outcome, citizen_id from observation_outcomes where outcome <> 'UNDONE' and observation_id in
           (select observation_id from citizen_facts where source = $1 and source_system = $2 and source_record_id = $3) order by decision_id`,
      ),
      case: await rows('select status, decided_by, resolution from review_cases where observation_id = $1', [o.observation_id]),
      constraints: await rows('select kind, citizen_id from linkage_constraints where subject = $1 and revoked_at is null order by id', [
        `record:${o.source}:${o.source_system}:${o.source_record_id}`,
      ]),
      citizens: await rows(
        'select citizen_id, full_name, date_of_birth, sex, address, status from citizens where citizen_id = any($1::text[]) order by citizen_id',
        [[A, B]],
      ),
    };
  };

  /** Every field history row of the citizens, in the order written (as the connection given sees them). */
  const historyOf = async (citizenIds: string[], db: Pick<PoolClient, 'query'> = database.pool) =>
    (
      await db.query(
        'select id, citizen_id, field, value, source, observation_id, rule, is_current from field_provenance where citizen_id = any($1::text[]) order by id',
        [citizenIds],
      )
    ).rows;

  /** The links and field history rows of the citizens, as a connection sees them (a transaction its own writes). */
  const linksAndHistoryOf = async (citizenIds: string[], db: Pick<PoolClient, 'query'> = database.pool) => ({
    links: (
      await db.query(
        'select citizen_id, source, source_system, source_record_id, decision_id, method from record_links where citizen_id = any($1::text[]) order by 2, 3, 4',
        [citizenIds],
      )
    ).rows,
    history: await historyOf(citizenIds, db),
  });

  /**
   * Two citizens registered by their births, holding an address and a place of birth no event has
   * claimed, as a loaded snapshot does: a record linked to either writes the address it meets down
   * beside its own, and a record taken off either writes both down.
   */
  const snapshotPair = async (first: string, second: string) => {
    const births = [first, second].map((personal_id) => observation({ person: { personal_id } }));
    expect(await apply(births.map((o) => decision('NEW', o)))).toEqual(['CITIZEN_CREATED', 'CITIZEN_CREATED']);
    await database.pool.query(`delete from field_provenance where citizen_id = any($1::text[]) and field = 'address'`, [[first, second]]);
    await database.pool.query(`update citizens set place_of_birth = 'Hà Nội' where citizen_id = any($1::text[])`, [[first, second]]);
  };

  /** The case a vaccination record the linker could not tell between the two citizens opens: it was never linked. */
  const ambiguousCase = async (first: string, second: string) => {
    const o = vaccinationRecord({ address: '5 Phố Huế, Hai Bà Trưng' });
    const explanation = { prior: -8, comparisons: [], total: 0.6, runner_up_score: 0.6, summary: 'The record matches both citizens alike.' };
    const candidates = [first, second].map((citizen_id) => ({ citizen_id, score: 0.6 }));
    expect(await apply([decision('REVIEW', o, { reason: 'AMBIGUOUS', explanation, candidates })])).toEqual(['review']);
    return (await caseOf(o))!;
  };

  /** The case of two citizens possibly registered twice, as the duplicate scan opens it. */
  const duplicateCase = async (first: string, second: string) => {
    const { rows } = await database.pool.query<{ case_id: number }>(
      `insert into review_cases (observation_id, decision_id, reason, source, observation, candidates, explanation)
       values ($1, $2, 'POSSIBLE_DUPLICATE', 'register', $3, $4, '{}') returning case_id::int as case_id`,
      [
        duplicateCaseId(first, second),
        `${duplicateCaseId(first, second)}:scan`,
        JSON.stringify({ citizen_id: first }),
        JSON.stringify([{ citizen_id: second, score: 0.9 }]),
      ],
    );
    return rows[0]!;
  };

  /** A vaccination of A sent back by a settings change whose new decision would move it to B (or the citizen given): the case it opens. */
  const caseMovingToB = async (o: PersonObservation, to = B) => {
    const [sent] = await sendBack(o);
    expect(await apply([redecided(sent!, 'LINK', to)])).toEqual(['review']);
    return (await caseOf(o))!;
  };

  /** The register's state about a record before a steward decides its case, and after the decision is undone. */
  const decidedAndUndone = async (o: PersonObservation, opened: { case_id: number }, action: 'LINK' | 'NEW' | 'REJECT', citizenId: string | null) => {
    const before = await registerStateOf(o);
    expect(await steward(opened.case_id, action, citizenId)).toMatchObject({ status: 'applied' });
    expect(await steward(opened.case_id, 'UNDO', null, lastStewardDecision())).toMatchObject({ status: 'applied' });
    return { before, after: await registerStateOf(o) };
  };

  beforeAll(async () => {
    await database.setUp();
    await currentOrBootstrap(database.pool, original, 'test');
    const births = [
      observation({ person: { personal_id: A } }),
      observation({
        person: {
          personal_id: B,
          full_name: 'Phạm Văn Bình',
          name_key: 'pham van binh',
          family_name: 'Phạm',
          middle_name: 'Văn',
          given_name: 'Bình',
          sex: 'MALE',
        },
      }),
    ];
    expect(await apply(births.map((o) => decision('NEW', o)))).toEqual(['CITIZEN_CREATED', 'CITIZEN_CREATED']);
  });

  afterAll(async () => {
    await database.cleanUp();
  });

  it('keeps the fact live on the same citizen when a steward confirms the link a settings change would have moved', async () => {
    const o = await vaccinationOfA();
    const [sent] = await sendBack(o);
    expect(await apply([redecided(sent!, 'LINK', B)])).toEqual(['review']);
    const opened = await caseOf(o);
    expect(opened).toMatchObject({ reason: 'SETTINGS_LINK_MOVED', status: 'OPEN' });
    expect(await steward(opened!.case_id, 'LINK', A)).toMatchObject({ status: 'applied' });
    expect(await factsOf(o)).toEqual([{ citizen_id: A, live: true }]);
    expect(await linkOf(o)).toEqual({ citizen_id: A, method: 'STEWARD' });
  });

  it('moves the fact and claims to the other citizen when a steward moves the link, and takes them off the citizen it leaves', async () => {
    const o = await vaccinationOfA();
    const [sent] = await sendBack(o);
    expect(await apply([redecided(sent!, 'LINK', B)])).toEqual(['review']);
    const opened = await caseOf(o);
    expect(await steward(opened!.case_id, 'LINK', B)).toMatchObject({ status: 'applied' });
    expect(await factsOf(o)).toEqual([{ citizen_id: B, live: true }]);
    expect(await claimsOf(o)).toEqual([{ citizen_id: B }]);
    expect(await linkOf(o)).toEqual({ citizen_id: B, method: 'STEWARD' });
  });

  it('takes the record off the citizen, and keeps it off, when a steward rejects the link a settings change doubted', async () => {
    const o = await vaccinationOfA();
    const [sent] = await sendBack(o);
    expect(await apply([redecided(sent!, 'LINK', B)])).toEqual(['review']);
    const opened = await caseOf(o);
    expect(await steward(opened!.case_id, 'REJECT', null)).toMatchObject({ status: 'applied' });
    expect([await linkOf(o), await factsOf(o), await claimsOf(o)]).toEqual([undefined, [], []]);
    const { rows } = await database.pool.query<{ kind: string; citizen_id: string }>(
      "select kind, citizen_id from linkage_constraints where subject = $1 and kind = 'CANNOT_LINK'",
      [`record:${o.source}:${o.source_system}:${o.source_record_id}`],
    );
    expect(rows).toEqual([{ kind: 'CANNOT_LINK', citizen_id: A }]);
  });

  /** A record of A whose link a settings change doubted, its case open, and the record's deletion at its source, which follows the link. */
  const deletedWhileDoubted = async () => {
    const o = await vaccinationOfA();
    const [sent] = await sendBack(o);
    expect(await apply([redecided(sent!, 'REVIEW')])).toEqual(['review']);
    const opened = (await caseOf(o))!;
    expect(opened).toMatchObject({ reason: 'SETTINGS_LINK_DOUBTED', status: 'OPEN' });
    const deletion = observation({ ...o, observation_id: `${o.observation_id}-deleted`, change_type: 'DELETE', event_time: o.event_time + 60_000, attempt: 0 });
    const deleted = () => apply([decision('LINK', deletion, { citizen_id: A, reason: 'SOURCE_RECORD_LINKED', method: 'DETERMINISTIC' })]);
    return { o, opened, deleted };
  };

  it('closes the case a settings change opened about the link when the record is deleted at its source', async () => {
    const { o, deleted } = await deletedWhileDoubted();
    expect(await deleted()).toEqual(['RECORD_UNLINKED']);
    expect(await caseOf(o)).toMatchObject({ status: 'DECIDED', decided_by: 'pipeline:linker', resolution: 'DELETED' });
  });

  it('leaves the case about the link to the steward who holds it when the record is deleted at its source', async () => {
    const { o, opened, deleted } = await deletedWhileDoubted();
    await database.pool.query(`update review_cases set status = 'CLAIMED', claimed_by = 'steward.test', claimed_at = now() where case_id = $1`, [
      opened.case_id,
    ]);
    expect(await deleted()).toEqual(['RECORD_UNLINKED']);
    expect(await caseOf(o)).toMatchObject({ status: 'CLAIMED', decided_by: null });
  });

  it('opens again a case the pipeline closed when a later settings change doubts the link again', async () => {
    const o = await vaccinationOfA();
    const [first] = await sendBack(o);
    expect(await apply([redecided(first!, 'REVIEW')])).toEqual(['review']);
    const [second] = await sendBack(o);
    await apply([redecided(second!, 'LINK', A)]);
    expect(await caseOf(o)).toMatchObject({ status: 'DECIDED', decided_by: 'pipeline:linker' });
    const [third] = await sendBack(o);
    expect(await apply([redecided(third!, 'REVIEW')])).toEqual(['review']);
    expect(await caseOf(o)).toMatchObject({ reason: 'SETTINGS_LINK_DOUBTED', status: 'OPEN', decided_by: null });
  });

  it("judges a decision naming a version the register does not hold by the register's current settings, not the store's file", async () => {
    const o = await vaccinationOfA();
    let [sent] = await sendBack(o);
    if ((await currentSettingsVersion(database.pool)) !== settingsVersion(strict)) [sent] = await sendBack(o);
    // Decisive under the store's file (link at 0.9), not under the strict settings the register holds current.
    const moved = decision('LINK', sent!, {
      citizen_id: B,
      reason: 'MATCH',
      score: 0.95,
      candidates: [
        { citizen_id: B, score: 0.95 },
        { citizen_id: A, score: 0.1 },
      ],
      settings_version: 'sv-not-in-register',
      decision_id: `${o.observation_id}:decision:${sent!.attempt}`,
    });
    expect(await apply([moved])).toEqual(['review']);
    const { rows } = await database.pool.query<{ decisive: boolean }>(
      "select distinct (details->>'decisive')::boolean as decisive from audit_log where details->>'decision_id' = $1",
      [moved.decision_id],
    );
    expect(rows).toEqual([{ decisive: false }]);
  });

  it('lets the later of two send-backs of one record settle it even when its decision is applied first', async () => {
    const o = await vaccinationOfA();
    const [earlier] = await sendBack(o);
    const [later] = await sendBack(o);
    expect(await apply([redecided(later!, 'LINK', A)])).toEqual(['duplicate']);
    expect(await apply([redecided(earlier!, 'LINK', B)])).toEqual(['duplicate']);
    expect(await caseOf(o)).toBeUndefined();
    expect(await linkOf(o)).toMatchObject({ citizen_id: A });
    const { rows } = await database.pool.query<{ action: string }>("select distinct action from audit_log where details->>'decision_id' = $1", [
      redecided(earlier!, 'LINK', B).decision_id,
    ]);
    expect(rows).toEqual([{ action: 'SETTINGS_RELINK_SUPERSEDED' }]);
  });

  it('judges two send-backs of one record decided in one chunk each by its own attempt: the earlier set aside, the later applied', async () => {
    const o = await vaccinationOfA();
    const [earlier] = await sendBack(o);
    const [later] = await sendBack(o);
    expect(await apply([redecided(earlier!, 'LINK', B), redecided(later!, 'LINK', B)])).toEqual(['duplicate', 'review']);
    expect([await caseOf(o), await linkOf(o)]).toEqual([
      expect.objectContaining({ reason: 'SETTINGS_LINK_MOVED', status: 'OPEN' }),
      expect.objectContaining({ citizen_id: A }),
    ]);
  });

  it.each([
    ["puts the pipeline's link back, and opens the case again, when a steward's confirmation of a standing link is undone", 'LINK', A],
    ["returns the record to the citizen it was linked to, and takes it off the other, when a steward's move of a standing link is undone", 'LINK', B],
    ["puts the link back and lifts the cannot-link when a steward's rejection of a standing link is undone", 'REJECT', null],
    ["returns the record to the citizen it was linked to when a steward's new citizen made of a standing link is undone", 'NEW', null],
  ] as const)('%s', async (_, action, citizenId) => {
    const o = await vaccinationOfA();
    const { before, after } = await decidedAndUndone(o, await caseMovingToB(o), action, citizenId);
    expect(after).toEqual(before);
  });

  it('moves the fact of the record’s latest observation, not of the older one the case was opened with, when a steward moves the link', async () => {
    const o = await vaccinationOfA();
    const opened = await caseMovingToB(o);
    const update = await laterObservationOf(o);
    expect(await steward(opened.case_id, 'LINK', B)).toMatchObject({ status: 'applied' });
    expect([await factsOf(o), await factsOf(update)]).toEqual([[], [{ citizen_id: B, live: true }]]);
    expect(await linkOf(update)).toEqual({ citizen_id: B, method: 'STEWARD' });
  });

  it('names the observation a move applied in its audit entry', async () => {
    const o = await vaccinationOfA();
    const opened = await caseMovingToB(o);
    const update = await laterObservationOf(o);
    await steward(opened.case_id, 'LINK', B);
    const { rows } = await database.pool.query<{ applied: string }>(
      "select details->'outcome'->'result'->>'applied_observation_id' as applied from audit_log where action = 'STEWARD_DECISION_APPLIED' and details->>'decision_id' = $1",
      [lastStewardDecision()],
    );
    expect(rows).toEqual([{ applied: update.observation_id }]);
  });

  it('returns both observations’ facts to the citizen the record left when the move of a record observed again is undone', async () => {
    const o = await vaccinationOfA();
    const opened = await caseMovingToB(o);
    await laterObservationOf(o);
    const { before, after } = await decidedAndUndone(o, opened, 'LINK', B);
    expect(after).toEqual(before);
  });
  it.each([
    ['refuses to undo a move when the record has been observed and linked again since, and changes nothing', 'LINK', B],
    ['refuses to undo a new citizen made of a standing link when the record has been observed and linked again since, and changes nothing', 'NEW', null],
  ] as const)('%s', async (_, action, citizenId) => {
    const o = await vaccinationOfA();
    const opened = await caseMovingToB(o);
    expect(await steward(opened.case_id, action, citizenId)).toMatchObject({ status: 'applied' });
    const undone = lastStewardDecision();
    await laterObservationOf(o, 2, (await linkOf(o))!.citizen_id);
    const before = await registerStateOf(o);
    expect(await steward(opened.case_id, 'UNDO', null, undone)).toMatchObject({ status: 'refused' });
    expect(await registerStateOf(o)).toEqual(before);
  });

  it.each([
    ['refuses to undo a rejection when a later observation of the record waits unlinked, and changes nothing', 'UNLINKED'],
    ['refuses to undo a rejection when a later observation of the record is in a case of its own, and changes nothing', 'REVIEW'],
  ] as const)('%s', async (_, kind) => {
    const o = await vaccinationOfA();
    const opened = await caseMovingToB(o);
    expect(await steward(opened.case_id, 'REJECT', null)).toMatchObject({ status: 'applied' });
    const rejection = lastStewardDecision();
    // The source corrects the record: its new observation is decided afresh, not linked.
    const update = observation({ ...o, observation_id: `${o.observation_id}-corrected`, change_type: 'UPDATE', event_time: o.event_time + 60_000, attempt: 0 });
    const explanation = { prior: -8, comparisons: [], total: 0.5, runner_up_score: null, summary: 'The record was rejected for A.' };
    expect(
      await apply([
        decision(kind, update, { reason: kind === 'REVIEW' ? 'AMBIGUOUS' : 'BELOW_THRESHOLD', explanation, candidates: [{ citizen_id: A, score: 0.5 }] }),
      ]),
    ).toEqual([kind === 'REVIEW' ? 'review' : 'unlinked']);
    const stateOf = async () => ({ record: await registerStateOf(o), update: await registerStateOf(update), waiting: await waitingOf(update) });
    const before = await stateOf();
    expect(await steward(opened.case_id, 'UNDO', null, rejection)).toMatchObject({ status: 'refused' });
    expect(await stateOf()).toEqual(before);
  });

  it('re-examines the records in reach of the citizen whose corrected date of birth the undo of a move gives back', async () => {
    const C = '079300000303';
    const cường = {
      personal_id: null,
      full_name: 'Đỗ Văn Cường',
      name_key: 'do van cuong',
      family_name: 'Đỗ',
      middle_name: 'Văn',
      given_name: 'Cường',
      sex: 'MALE' as const,
      date_of_birth: { value: '1971-07-07', precision: 'DAY' as const },
    };
    expect(
      await apply([decision('NEW', observation({ person: { ...cường, personal_id: C, date_of_birth: { value: '1970-03-03', precision: 'DAY' } } }))]),
    ).toEqual(['CITIZEN_CREATED']);
    // Civil status corrects his date of birth; a settings change doubts that link, and a steward moves it to B.
    const correction = observation({ event_type: 'CIVIL_STATUS_CORRECTION', source_system: 'civil-test', person: cường });
    expect(await apply([decision('LINK', correction, { citizen_id: C })])).toEqual(['CITIZEN_UPDATED']);
    const [sent] = await sendBack(correction);
    expect(await apply([redecided(sent!, 'LINK', B)])).toEqual(['review']);
    const opened = (await caseOf(correction))!;
    expect(await steward(opened.case_id, 'LINK', B)).toMatchObject({ status: 'applied' });
    const moved = lastStewardDecision();
    const dateOfBirth = async () => (await database.pool.query('select date_of_birth from citizens where citizen_id = $1', [C])).rows;
    expect(await dateOfBirth()).toEqual([{ date_of_birth: '1970-03-03' }]);
    // A vaccination of the man as corrected waits meanwhile: the undo puts him back in its reach.
    const waiting = observation({
      source: 'vaccination',
      source_system: 'vacc-test',
      event_type: 'VACCINATION',
      attributes: { vaccine: 'BCG' },
      person: cường,
    });
    expect(await apply([decision('UNLINKED', waiting, { reason: 'BELOW_THRESHOLD', candidates: [{ citizen_id: C, score: 0.4 }] })])).toEqual(['unlinked']);
    expect(await steward(opened.case_id, 'UNDO', null, moved)).toMatchObject({ status: 'applied' });
    expect(await dateOfBirth()).toEqual([{ date_of_birth: '1971-07-07' }]);
    const { rows } = await database.pool.query(
      `select r.trigger, r.sent, s.observation_id from register_reexaminations r join settings_relinks s on s.reexamination_id = r.id where r.citizen_id = $1`,
      [C],
    );
    expect(rows).toEqual([{ trigger: 'RESTORED', sent: 1, observation_id: waiting.observation_id }]);
  });

  it.each([
    ['the undo of a move from A to B, which takes the record off B first', A, B, true],
    ['a move from B to A, which takes the record off B first', B, A, false],
  ] as const)('locks both citizens in id order, as a chunk of the store does, and waits in no circle with one: %s', async (_, from, to, undo) => {
    const o = await vaccinationOfA(from);
    const opened = await caseMovingToB(o, to);
    let decide = () => steward(opened.case_id, 'LINK', to);
    if (undo) {
      expect(await decide()).toMatchObject({ status: 'applied' });
      const moved = lastStewardDecision();
      decide = () => steward(opened.case_id, 'UNDO', null, moved);
    }
    // A chunk of the store locks its citizens in id order: it holds A while the steward's decision starts, and B is its next.
    const held = (chunk: PoolClient) => chunk.query('select 1 from citizens where citizen_id = $1 for update', [A]);
    expect(await decidedAgainstChunk(held, B, decide)).toMatchObject({ status: 'applied' });
  });

  it.each([
    ['a rejection', 'REJECT', null],
    ['a move', 'LINK', B],
  ] as const)(
    'leaves both citizens’ field history as it was, row for row, register claims included, when %s of a standing link is undone',
    async (_, action, citizenId) => {
      // A value the register held before any event reached it (a loaded snapshot) has no claim until an unlink writes the register's own down.
      await database.pool.query(`update citizens set place_of_birth = 'Hà Nội' where citizen_id = any($1::text[]) and place_of_birth is null`, [[A, B]]);
      const o = await vaccinationOfA();
      const opened = await caseMovingToB(o);
      const before = await historyOf([A, B]);
      expect(await steward(opened.case_id, action, citizenId)).toMatchObject({ status: 'applied' });
      expect(await steward(opened.case_id, 'UNDO', null, lastStewardDecision())).toMatchObject({ status: 'applied' });
      expect(await historyOf([A, B])).toEqual(before);
    },
  );

  it.each([
    ['a link of a record never linked before', 'LINK', '079300000404', '079300000505', ambiguousCase],
    ['a merge that links a record never linked before to the survivor', 'MERGE', '079300000606', '079300000707', ambiguousCase],
    ['a new citizen made of a record never linked before', 'NEW', '079300000808', '079300000909', ambiguousCase],
    ['a merge of two citizens possibly registered twice', 'MERGE', '079300001010', '079300001111', duplicateCase],
  ] as const)(
    'leaves both citizens’ field history as it was, row for row, register claims included, when %s is undone',
    async (_, action, first, second, caseOfPair) => {
      await snapshotPair(first, second);
      const opened = await caseOfPair(first, second);
      const before = await historyOf([first, second]);
      const decided = await steward(opened.case_id, action, action === 'NEW' ? null : first, null, action === 'MERGE' ? second : null);
      expect(decided).toMatchObject({ status: 'applied' });
      expect(await steward(opened.case_id, 'UNDO', null, lastStewardDecision())).toMatchObject({ status: 'applied' });
      expect(await historyOf([first, second])).toEqual(before);
    },
  );

  it('keeps the register claim a link wrote down when a merge has moved it to another citizen since, for the merge’s undo to take back', async () => {
    const [first, second, survivor] = ['079300001212', '079300001313', '079300001414'];
    await snapshotPair(first, second);
    // The survivor holds no address: the one written down beside the record's is their only claim of it once the record is taken off.
    expect(await apply([decision('NEW', observation({ person: { personal_id: survivor, address: null } }))])).toEqual(['CITIZEN_CREATED']);
    const addressOf = async (citizenId: string) =>
      (await database.pool.query<{ address: string | null }>('select address from citizens where citizen_id = $1', [citizenId])).rows[0]!.address;
    const before = await addressOf(first);
    const opened = await ambiguousCase(first, second);
    expect(await steward(opened.case_id, 'LINK', first)).toMatchObject({ status: 'applied' });
    const link = lastStewardDecision();
    const merge = await mergeCitizens(database.pool, context, survivor, first, 'test', 'registered twice');
    expect(await steward(opened.case_id, 'UNDO', null, link)).toMatchObject({ status: 'applied' });
    await undoMerge(database.pool, context, merge.mergeId, 'test', 'two people after all');
    expect(await addressOf(first)).toBe(before);
  });

  it('refuses a link to a citizen merged into another between its read and its lock, and links the record to neither', async () => {
    const [merged, survivor] = ['079300001515', '079300001616'];
    // One man registered twice, not the person of the case's record: the merge's re-examination does not
    // reach that record, so does not lock its case (the decision would wait there, before its read).
    const hùng = {
      full_name: 'Lê Văn Hùng',
      name_key: 'le van hung',
      family_name: 'Lê',
      middle_name: 'Văn',
      given_name: 'Hùng',
      sex: 'MALE' as const,
      date_of_birth: { value: '1980-05-05', precision: 'DAY' as const },
      address: '8 Phố Hàng Bạc, Hoàn Kiếm',
    };
    const births = [merged, survivor].map((personal_id) => observation({ person: { ...hùng, personal_id } }));
    expect(await apply(births.map((o) => decision('NEW', o)))).toEqual(['CITIZEN_CREATED', 'CITIZEN_CREATED']);
    const opened = await ambiguousCase(merged, survivor);
    // The merge, made as the CLI makes it, holds both citizens locked until it commits: the decision reads `merged` as current, then waits for its lock.
    let afterMerge: Awaited<ReturnType<typeof linksAndHistoryOf>> | undefined;
    const held = async (chunk: PoolClient) => {
      await mergeCitizensIn(chunk, context, survivor, merged, 'test', 'registered twice');
      afterMerge = await linksAndHistoryOf([merged, survivor], chunk);
    };
    const decided = await decidedAgainstChunk(held, null, () => steward(opened.case_id, 'LINK', merged));
    expect(decided).toEqual({ status: 'refused', reason: 'the citizen was merged into another meanwhile: decide again', code: 'CITIZEN_MERGED_MEANWHILE' });
    expect(await linksAndHistoryOf([merged, survivor])).toEqual(afterMerge);
  });

  it('links the record to the survivor of a candidate merged since the case opened, never locking the merged citizen after the survivor', async () => {
    const [merged, survivor] = ['079300001717', '079300001818'];
    const births = [merged, survivor].map((personal_id) => observation({ person: strangerPerson(personal_id) }));
    expect(await apply(births.map((o) => decision('NEW', o)))).toEqual(['CITIZEN_CREATED', 'CITIZEN_CREATED']);
    const opened = await ambiguousCase(merged, survivor);
    await mergeCitizens(database.pool, context, survivor, merged, 'test', 'registered twice');
    // A chunk of the store linking a record to the merged citizen locks them, then their survivor (decision-load.ts, loadCitizens).
    const chunk = await database.pool.connect();
    try {
      await chunk.query('begin');
      await chunk.query('select 1 from citizens where citizen_id = $1 for update', [merged]);
      let settled = false;
      const decided = steward(opened.case_id, 'LINK', merged)
        .catch((error: unknown) => error)
        .finally(() => (settled = true));
      // The decision ends, or waits for the merged citizen's lock while it holds the survivor's, the chunk's next.
      await waitUntil(async () => settled || (await lockWaits(chunk)) > 0, Boolean, 20_000, 'the steward decision ending or waiting');
      await chunk.query('select 1 from citizens where citizen_id = $1 for update', [survivor]);
      await chunk.query('commit');
      expect(await decided).toMatchObject({ status: 'applied', result: { citizen_id: survivor } });
    } catch (error) {
      await chunk.query('rollback');
      throw error;
    } finally {
      chunk.release();
    }
  });

  it('takes the key locks of the new citizen before the citizen the record leaves, as a chunk of the store does, when a steward makes one of a standing link', async () => {
    const o = await vaccinationOfA();
    const opened = await caseMovingToB(o);
    // A chunk of the store with a record of the same keys waiting locks those keys first, then its citizens (A among them).
    const held = (chunk: PoolClient) =>
      lockKeys(
        chunk,
        recordKeysOf(context.settings, o).map((k) => `${k.rule}:${k.key}`),
      );
    expect(await decidedAgainstChunk(held, A, () => steward(opened.case_id, 'NEW', null))).toMatchObject({ status: 'applied' });
  });

  it('refuses to undo a decision on a standing link that was applied before the register kept the link it changed', async () => {
    const o = await vaccinationOfA();
    const opened = await caseMovingToB(o);
    await steward(opened.case_id, 'LINK', A);
    const confirmation = lastStewardDecision();
    await database.pool.query('update steward_decisions set standing_link = null where decision_id = $1', [confirmation]);
    const before = await registerStateOf(o);
    expect(await steward(opened.case_id, 'UNDO', null, confirmation)).toMatchObject({ status: 'refused' });
    expect(await registerStateOf(o)).toEqual(before);
  });

  it('undoes a decision when the only later decision on the case is one the register refused, which never took effect', async () => {
    const o = await vaccinationOfA();
    const opened = await caseMovingToB(o);
    const before = await registerStateOf(o);
    expect(await steward(opened.case_id, 'LINK', B)).toMatchObject({ status: 'applied' });
    const moved = lastStewardDecision();
    // A later decision the register refuses: the first one stands (and it names a citizen the register does not hold).
    expect(await steward(opened.case_id, 'LINK', '079399999999')).toMatchObject({ status: 'refused', code: 'CASE_DECIDED' });
    expect(await steward(opened.case_id, 'UNDO', null, moved)).toMatchObject({ status: 'applied' });
    expect(await registerStateOf(o)).toEqual(before);
  });

  it.each([
    // A second decision applied on a case whose first one stood, as a register applied it before it refused them (CASE_DECIDED).
    [
      'stands',
      (caseId: number) =>
        inTransaction(database.pool, async (client) => {
          const later = stewardDecision(caseId, 'LINK', A);
          await insertStewardDecision(client, later);
          await client.query('update steward_decisions set applied_at = now(), result = $2 where decision_id = $1', [
            later.decision_id,
            { status: 'applied', result: { citizen_id: A } },
          ]);
        }),
    ],
    // As the steward service writes it when it publishes the decision, before the store applies it.
    ['is not applied yet', (caseId: number) => inTransaction(database.pool, (client) => insertStewardDecision(client, stewardDecision(caseId, 'LINK', A)))],
  ] as const)('refuses to undo a decision while a later decision on the case %s, and changes nothing', async (_, later) => {
    const o = await vaccinationOfA();
    const opened = await caseMovingToB(o);
    expect(await steward(opened.case_id, 'LINK', B)).toMatchObject({ status: 'applied' });
    const moved = lastStewardDecision();
    await later(opened.case_id);
    const before = await registerStateOf(o);
    expect(await steward(opened.case_id, 'UNDO', null, moved)).toMatchObject({ status: 'refused', code: 'LATER_DECISION_STANDS' });
    expect(await registerStateOf(o)).toEqual(before);
  });
});
