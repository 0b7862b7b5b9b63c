import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { LINKED_RECORD_CONTRADICTED } from '../../services/shared/register/observation-verdict.js';
import { applyStewardDecision, type StewardContext } from '../../services/shared/review/steward-apply.js';
import type { LinkDecision, PersonObservation, StewardDecision } from '../../services/shared/schemas/records.js';
import { topicsFor } from '../../services/shared/schemas/topics.js';
import { applyDecisions, newCitizenId, STORE_CONSUMER, type ApplyResult } from '../../services/shared/store/apply-decisions.js';
import { mergeCitizens, undoMergeIn } from '../../services/shared/store/citizen-merges.js';
import { createPool, inTransaction, type PoolClient } from '../../services/shared/store/db.js';
import { loadCitizens } from '../../services/shared/store/decision-load.js';
import { recordLock } from '../../services/shared/store/plan/classify.js';
import { recordKeysOf } from '../../services/shared/store/plan/record-keys.js';
import { lockKeys } from '../../services/shared/store/records-in-reach.js';
import { reexamineAfterChanges } from '../../services/shared/store/register-reexamination.js';
import { sentBackBySettings } from '../../services/shared/store/settings-relinks.js';
import { currentOrBootstrap } from '../../services/shared/store/settings-versions.js';
import { caseHistory } from '../../services/steward/case-history.js';
import { caseDecisions, claimCase, decideCase, undoDecision, type Actor, type DecisionRequest } from '../../services/steward/case-queue.js';
import { caseView } from '../../services/steward/case-view.js';
import { CONTEXT, decision, observation, stewardDecision, strangerPerson } from '../fixtures/link-decisions.js';
import { keyLocks } from '../helpers/advisory-locks.js';
import { IsolatedDatabase } from '../helpers/isolated-run.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * What becomes of a linked record's later event waiting in its case (LINKED_RECORD_CONTRADICTED)
 * when the record goes on: a change of the register sends it back to the linker, the record is
 * deleted at its source, another event of it is doubted or follows the link; what a steward's
 * move does to the outcomes of the record's earlier events; and the cases of any reason of a
 * record deleted at its source, however the linker decided the deletion. Against PostgreSQL
 * without the services; synthetic people only.
 */
describe("a linked record's later event that waits in its case, as the record goes on", () => {
  const database = new IsolatedDatabase('linked-waiting');
  const settings = loadSettings();
  const context: StewardContext = { ...CONTEXT, settings, topics: topicsFor('linked-waiting') };
  const A = '079300000101';
  const B = '079300000202';
  let recordSequence = 0;

  const apply = (decisions: LinkDecision[]): Promise<ApplyResult[]> => inTransaction(database.pool, (client) => applyDecisions(client, decisions, context));
  /** Applies a steward's decision in a transaction of its own (committed if it applied). */
  const applySteward = (decided: StewardDecision) => inTransaction(database.pool, (client) => applyStewardDecision(client, decided, context));
  const steward = (caseId: number, action: StewardDecision['action'], citizenId: string | null, otherCitizenId: string | null = null) =>
    applySteward(stewardDecision(caseId, action, { citizen_id: citizenId, other_citizen_id: otherCitizenId }));
  const rows = async (sql: string, params: unknown[]) => (await database.pool.query(sql, params)).rows;

  /** A later event of the record `linked`: the twin sister of its citizen, or (`follows`) the citizen again with a dose more. */
  const laterEvent = (linked: PersonObservation, step: number, follows = false): PersonObservation =>
    observation({
      ...linked,
      observation_id: `${linked.observation_id}-later-${step}`,
      change_type: 'UPDATE',
      event_time: linked.event_time + step * 60_000,
      attributes: { vaccine: 'BCG', dose: String(step + 1) },
      person: follows
        ? linked.person
        : { ...linked.person, personal_id: `07930000${1000 + recordSequence}`, full_name: 'Trần Thị Lan', name_key: 'tran thi lan', given_name: 'Lan' },
    });
  const doubted = (o: PersonObservation) =>
    decision('REVIEW', o, {
      reason: LINKED_RECORD_CONTRADICTED,
      method: 'PROBABILISTIC',
      candidates: [
        { citizen_id: A, score: 0.99 },
        { citizen_id: B, score: 0.01 },
      ],
      explanation: { prior: -8, comparisons: [], total: 6, runner_up_score: null, summary: 'The never_link rule "twins" holds.' },
    });
  const follows = (o: PersonObservation) => decision('LINK', o, { citizen_id: A, reason: 'SOURCE_RECORD_LINKED', method: 'DETERMINISTIC' });

  /** The first event of a new vaccination record of A (with her personal ID unless `personalId` says otherwise), named `kind`. */
  const firstEvent = (kind: string, personalId: string | null = A) => {
    recordSequence += 1;
    return observation({
      source: 'vaccination',
      source_system: 'vacc-test',
      source_record_id: `vacc-${kind}-${recordSequence}`,
      event_type: 'VACCINATION',
      event_date: '2026-02-10',
      attributes: { vaccine: 'BCG' },
      person: { personal_id: personalId },
    });
  };
  const ambiguous = (o: PersonObservation) =>
    decision('REVIEW', o, {
      // Decided now, as the store compares it with when A's or B's identity changed (an earlier test's steward may have changed it).
      decided_at: Date.now(),
      reason: 'AMBIGUOUS',
      explanation: { prior: -8, comparisons: [], total: 0, runner_up_score: null, summary: 'Two candidates score close together.' },
      candidates: [
        { citizen_id: A, score: 0.6 },
        { citizen_id: B, score: 0.55 },
      ],
    });

  /** A vaccination record of A, linked to her, and its later event doubted: its case open. */
  const waitingRecord = async () => {
    const linked = firstEvent('waiting');
    expect(await apply([decision('LINK', linked, { citizen_id: A })])).toEqual(['FACT_RECORDED']);
    const later = laterEvent(linked, 1);
    expect(await apply([doubted(later)])).toEqual(['review']);
    return { linked, later, caseId: (await caseOf(later)).case_id as number };
  };
  const caseOf = async (o: PersonObservation) =>
    (await rows('select case_id::int as case_id, reason, status, decided_by, resolution from review_cases where observation_id = $1', [o.observation_id]))[0]!;
  const linkOf = async (o: PersonObservation) =>
    (await rows(`select citizen_id, observation->>'observation_id' as observation_id from record_links where source_record_id = $1`, [o.source_record_id]))[0];
  const outcomesOf = (o: PersonObservation) =>
    rows('select outcome, citizen_id from observation_outcomes where observation_id = $1 order by outcome', [o.observation_id]);

  /** A correction of A re-examines the records in her reach: the waiting event goes back to the linker at the attempt returned. */
  const reexamineA = async (o: PersonObservation): Promise<number> => {
    await inTransaction(database.pool, async (client) => {
      const loaded = await loadCitizens(client, [A]);
      return reexamineAfterChanges(client, context, [{ citizenId: A, trigger: 'CORRECTED', row: loaded.citizens[0]!.row }]);
    });
    const sent = await rows('select attempt from settings_relinks where observation_id = $1 order by attempt desc', [o.observation_id]);
    expect(sent).not.toEqual([]);
    return sent[0]!.attempt as number;
  };

  beforeAll(async () => {
    await database.setUp();
    await currentOrBootstrap(database.pool, settings, 'test');
    const births = [observation({ person: { personal_id: A } }), observation({ person: strangerPerson(B) })];
    expect(await apply(births.map((o) => decision('NEW', o)))).toEqual(['CITIZEN_CREATED', 'CITIZEN_CREATED']);
  });

  afterAll(async () => {
    await database.cleanUp();
  });

  it('applies the waiting event, and closes its case as linked, when a change of the register sends it back and it now follows the link', async () => {
    const { later } = await waitingRecord();
    const attempt = await reexamineA(later);
    expect(await apply([follows({ ...later, attempt })])).toEqual(['FACT_RECORDED']);
    expect(await linkOf(later)).toEqual({ citizen_id: A, observation_id: later.observation_id });
    expect(await outcomesOf(later)).toEqual([
      { outcome: 'LINKED', citizen_id: A },
      { outcome: 'REVIEW', citizen_id: null },
    ]);
    expect(await caseOf(later)).toMatchObject({ status: 'DECIDED', decided_by: 'pipeline:linker', resolution: 'LINK' });
  });

  it('tells the linker the sent-back event waits while its case is open or claimed, and no longer once a steward decided it', async () => {
    const { later, caseId } = await waitingRecord();
    const sent = { ...later, attempt: await reexamineA(later) };
    const waiting = async (status: string) => {
      await database.pool.query('update review_cases set status = $2 where case_id = $1', [caseId, status]);
      return (await sentBackBySettings(database.pool, [sent])).get(later.observation_id);
    };
    expect([await waiting('OPEN'), await waiting('CLAIMED'), await waiting('DECIDED')]).toEqual([{ waiting: true }, { waiting: true }, { waiting: false }]);
  });

  it("keeps the case's reason when a change of the register sends the waiting event back and it is doubted again, so a steward's confirmation applies it", async () => {
    const { later, caseId } = await waitingRecord();
    const attempt = await reexamineA(later);
    expect(await apply([doubted({ ...later, attempt })])).toEqual(['review']);
    expect(await caseOf(later)).toMatchObject({ reason: LINKED_RECORD_CONTRADICTED, status: 'OPEN' });
    expect(await steward(caseId, 'LINK', A)).toMatchObject({ status: 'applied', result: { applied_observation_id: later.observation_id } });
    expect(await linkOf(later)).toEqual({ citizen_id: A, observation_id: later.observation_id });
  });

  it('leaves the case as it stood when a change of the register sends the waiting event back and it is decided for another reason', async () => {
    const { linked, later } = await waitingRecord();
    const attempt = await reexamineA(later);
    const other = decision('REVIEW', { ...later, attempt }, { reason: 'NEVER_LINK_RULE', candidates: [{ citizen_id: A, score: 0.99 }] });
    expect(await apply([other])).toEqual(['duplicate']);
    expect(await caseOf(later)).toMatchObject({ reason: LINKED_RECORD_CONTRADICTED, status: 'OPEN' });
    expect(await linkOf(later)).toEqual({ citizen_id: A, observation_id: linked.observation_id });
  });

  const deletionOf = (linked: PersonObservation) => ({
    ...linked,
    observation_id: `${linked.observation_id}-deleted`,
    change_type: 'DELETE' as const,
    event_time: linked.event_time + 30_000,
  });

  it('closes the case when the record is deleted at its source after the waiting event', async () => {
    const { linked, later } = await waitingRecord();
    expect(await apply([follows({ ...deletionOf(linked), event_time: later.event_time + 30_000 })])).toEqual(['RECORD_UNLINKED']);
    expect(await caseOf(later)).toMatchObject({ status: 'DECIDED', decided_by: 'pipeline:linker', resolution: 'DELETED' });
  });

  it('leaves open the case of a waiting event after the deletion, an event of the record made again at its source', async () => {
    const { linked, later } = await waitingRecord();
    expect(await apply([follows(deletionOf(linked))])).toEqual(['RECORD_UNLINKED']);
    expect(await caseOf(later)).toMatchObject({ reason: LINKED_RECORD_CONTRADICTED, status: 'OPEN' });
  });

  /**
   * The ways the linker decides the deletion of a record whose first event is in review: following
   * the link a later event made, or, the record never linked, as any event.
   */
  const deletions = {
    'follows the link a later event made': async (first: PersonObservation) => {
      const second = laterEvent(first, 1, true);
      expect(await apply([decision('LINK', second, { citizen_id: A })])).toEqual(['FACT_RECORDED']);
      return follows(deletionOf(second));
    },
    'is sent to review itself': async (first: PersonObservation) => ambiguous(deletionOf(first)),
    'is kept unlinked': async (first: PersonObservation) => decision('UNLINKED', deletionOf(first), { reason: 'NO_MATCH' }),
  };

  it.each(Object.entries(deletions))('closes the case of an earlier event still in review when the deletion of the record %s', async (_, deletion) => {
    const first = firstEvent('reviewed');
    expect(await apply([ambiguous(first)])).toEqual(['review']);
    await apply([await deletion(first)]);
    expect(await caseOf(first)).toMatchObject({ status: 'DECIDED', decided_by: 'pipeline:linker', resolution: 'DELETED' });
  });

  /** What a steward's decision could change: the citizens, the record's links and the merges. */
  const registerOf = async (o: PersonObservation) => ({
    citizens: await rows('select citizen_id, status, merged_into, version from citizens order by citizen_id', []),
    links: await rows('select citizen_id from record_links where source_record_id = $1', [o.source_record_id]),
    merges: await rows('select survivor_id, merged_id from citizen_merges', []),
  });

  it.each(Object.entries(deletions))(
    "refuses a steward's link, new citizen and merge on a case of another reason they held while the record was deleted, and applies their rejection, when the deletion %s",
    async (_, deletion) => {
      // No personal ID: nothing but the deletion keeps a new citizen from being made of the record.
      const first = firstEvent('held', null);
      expect(await apply([ambiguous(first)])).toEqual(['review']);
      const { case_id: caseId } = await caseOf(first);
      await database.pool.query(`update review_cases set status = 'CLAIMED', claimed_by = 'steward.test', claimed_at = now() where case_id = $1`, [caseId]);
      await apply([await deletion(first)]);
      const before = await registerOf(first);
      const refused = expect.objectContaining({ status: 'refused', code: 'RECORD_DELETED' });
      expect([await steward(caseId, 'LINK', A), await steward(caseId, 'NEW', null), await steward(caseId, 'MERGE', A, B)]).toEqual([refused, refused, refused]);
      expect(await steward(caseId, 'REJECT', null)).toMatchObject({ status: 'applied' });
      expect(await registerOf(first)).toEqual(before);
      // Its source deleted the record: it is not told to correct it and send it again.
      expect(await rows(`select event_id from outbox where record_type = 'rejection' and message_key = $1`, [first.source_record_id])).toEqual([]);
    },
  );

  it('closes the case a chunk opens before it deletes the record', async () => {
    const first = firstEvent('chunk');
    expect(await apply([ambiguous(first), decision('LINK', deletionOf(first), { citizen_id: A })])).toEqual(['review', 'deleted']);
    expect(await caseOf(first)).toMatchObject({ status: 'DECIDED', decided_by: 'pipeline:linker', resolution: 'DELETED' });
  });

  it('leaves open the case a chunk opens after it deletes the record, of the record made again at its source', async () => {
    const first = firstEvent('again');
    const again = { ...first, observation_id: `${first.observation_id}-again`, event_time: first.event_time + 120_000 };
    expect(await apply([decision('LINK', deletionOf(first), { citizen_id: A }), ambiguous(again)])).toEqual(['deleted', 'review']);
    expect(await caseOf(again)).toMatchObject({ status: 'OPEN', resolution: null });
  });

  /** What a deletion could leave in the register besides itself: citizens, cases, waiting rows, links of its record, updates and feedback. */
  const tracesOf = async (deletion: PersonObservation) => ({
    citizens: await rows('select citizen_id from citizens where personal_id = $1', [deletion.person.personal_id]),
    cases: await rows('select case_id from review_cases where observation_id = $1', [deletion.observation_id]),
    waiting: await rows('select observation_id from unlinked_records where observation_id = $1', [deletion.observation_id]),
    links: await rows('select citizen_id from record_links where source_record_id = $1', [deletion.source_record_id]),
    outbox: await rows(`select event_id from outbox where payload->>'observation_id' = $1 or message_key = $2`, [
      deletion.observation_id,
      deletion.source_record_id,
    ]),
    outcomes: await outcomesOf(deletion),
    kept: await rows('select event_time from record_deletions where observation_id = $1', [deletion.observation_id]),
  });

  /** The traces of an observation the register kept nothing of but its outcome (DELETED) and `kept`, the deletion kept when it is one. */
  const onlyDeleted = (kept: unknown[]) => ({
    citizens: [],
    cases: [],
    waiting: [],
    links: [],
    outbox: [],
    outcomes: [{ outcome: 'DELETED', citizen_id: null }],
    kept,
  });

  /** The ways the linker decides the deletion of a record it finds no link of: as any event, scored. */
  const unlinkedDeletions = {
    'a new citizen (a birth registration)': (o: PersonObservation) => decision('NEW', o),
    'sent to review': ambiguous,
    'kept unlinked': (o: PersonObservation) => decision('UNLINKED', o, { reason: 'NO_MATCH' }),
    'linked to a citizen it scores as': (o: PersonObservation) => decision('LINK', o, { citizen_id: A }),
  };

  it.each(Object.entries(unlinkedDeletions))(
    'keeps only the deletion, with its outcome, of a record linked to no one that the linker decided %s: no citizen, case, waiting row, update or feedback',
    async (_, decided) => {
      // A birth registration of a person not in the register, first kept unlinked: its deletion could make a citizen of her.
      const first = observation({ person: { personal_id: `07930000${2000 + recordSequence++}` } });
      expect(await apply([decision('UNLINKED', first, { reason: 'NO_MATCH' })])).toEqual(['unlinked']);
      const deletion = deletionOf(first);
      expect(await apply([decided(deletion)])).toEqual(['deleted']);
      expect(await tracesOf(deletion)).toEqual(onlyDeleted([{ event_time: deletion.event_time }]));
    },
  );

  /** How the linker may decide an event of a record whose deletion it decided first, on another partition (keyed by the record, not the citizen). */
  const earlierEvents = {
    'linked to a citizen': (o: PersonObservation) => decision('LINK', o, { citizen_id: A }),
    'a new citizen (a birth registration)': (o: PersonObservation) => decision('NEW', o),
    'sent to review': ambiguous,
    'kept unlinked': (o: PersonObservation) => decision('UNLINKED', o, { reason: 'NO_MATCH' }),
  };

  it.each(Object.entries(earlierEvents))(
    'changes nothing of the register for an event of a record deleted after it at its source, decided %s and applied after the deletion: no link, citizen, case, waiting row or update',
    async (_, decided) => {
      // A birth registration of a person not in the register: its event could make a citizen of her.
      const first = observation({ person: { personal_id: `07930000${5000 + recordSequence++}` } });
      expect(await apply([decision('UNLINKED', deletionOf(first), { reason: 'NO_MATCH' })])).toEqual(['deleted']);
      expect(await apply([decided(first)])).toEqual(['deleted']);
      expect(await tracesOf(first)).toEqual(onlyDeleted([]));
      expect(
        await rows(`select details->>'deletion' as deletion from audit_log where action = 'EVENT_BEFORE_DELETION_SET_ASIDE' and details->>'decision_id' = $1`, [
          decided(first).decision_id,
        ]),
      ).toEqual([{ deletion: deletionOf(first).observation_id }]);
    },
  );

  it('links an event of the record made again at its source after the deletion it applied first', async () => {
    const first = firstEvent('made-again');
    expect(await apply([decision('UNLINKED', deletionOf(first), { reason: 'NO_MATCH' })])).toEqual(['deleted']);
    const again = { ...first, observation_id: `${first.observation_id}-again`, event_time: first.event_time + 120_000 };
    expect(await apply([decision('LINK', again, { citizen_id: A })])).toEqual(['FACT_RECORDED']);
    expect(await linkOf(first)).toEqual({ citizen_id: A, observation_id: again.observation_id });
  });

  it("ends the wait of the record's earlier event, so that its send-back already on the way to the linker links it to no one", async () => {
    const first = firstEvent('ended', null);
    expect(await apply([decision('UNLINKED', first, { reason: 'NO_MATCH' })])).toEqual(['unlinked']);
    expect(await apply([decision('UNLINKED', deletionOf(first), { reason: 'NO_MATCH' })])).toEqual(['deleted']);
    expect(
      await rows('select resolution, resolved_at is not null as resolved from unlinked_records where observation_id = $1', [first.observation_id]),
    ).toEqual([{ resolution: 'DELETED', resolved: true }]);
    expect(await rows('select key from unlinked_keys where observation_id = $1', [first.observation_id])).toEqual([]);
    expect(await apply([decision('LINK', { ...first, attempt: 1 }, { citizen_id: A })])).toEqual(['duplicate']);
    expect(await linkOf(first)).toBeUndefined();
  });

  it('takes the record off the citizen it is linked to when the linker, not seeing the link yet, sent its deletion to review', async () => {
    const first = firstEvent('unseen');
    expect(await apply([decision('LINK', first, { citizen_id: A })])).toEqual(['FACT_RECORDED']);
    const deletion = deletionOf(first);
    expect(await apply([ambiguous(deletion)])).toEqual(['RECORD_UNLINKED']);
    expect(await tracesOf(deletion)).toMatchObject({ cases: [], links: [], outcomes: [{ outcome: 'DELETED', citizen_id: A }] });
  });

  /** The steward of stewardDecision, deciding through the steward service: it marks the case decided as it publishes the decision. */
  const STEWARD: Actor = { username: 'steward.test', role: 'steward', sourceAddress: '127.0.0.1' };
  const CLAIM_MINUTES = 30;
  const publish = (caseId: number, request: Omit<DecisionRequest, 'comment'>, version?: number) =>
    decideCase(database.pool, context.topics, caseId, STEWARD, { ...request, comment: 'decided by the test' }, CLAIM_MINUTES, version);
  /** A new record's case (`kind`), decided through the steward service by a link to A, which the register applied. */
  const linkedBySteward = async (kind: string) => {
    const first = firstEvent(kind, null);
    expect(await apply([ambiguous(first)])).toEqual(['review']);
    const { case_id: caseId } = await caseOf(first);
    const link = await publish(caseId, { action: 'LINK', citizenId: A });
    expect(await applySteward(link)).toMatchObject({ status: 'applied' });
    return { first, caseId, link };
  };
  const stateOf = async (caseId: number) =>
    (await rows('select status, claimed_by, decided_by, resolution, version from review_cases where case_id = $1', [caseId]))[0]!;

  it.each([
    ['held', { status: 'CLAIMED', claimed_by: STEWARD.username }],
    ['did not hold', { status: 'OPEN', claimed_by: null }],
  ])(
    'gives a case whose decision the register refused back to the steward, who %s it, to decide again; the refusal stays recorded and a page of before it is stale',
    async (held, reopened) => {
      const first = firstEvent('refused', null);
      expect(await apply([ambiguous(first)])).toEqual(['review']);
      const { case_id: caseId } = await caseOf(first);
      if (held === 'held') await claimCase(database.pool, caseId, STEWARD, CLAIM_MINUTES);
      const shown = (await stateOf(caseId)).version as number;
      const link = await publish(caseId, { action: 'LINK', citizenId: A }, shown);
      // The record is deleted at its source before the store applies the link.
      await apply([decision('UNLINKED', deletionOf(first), { reason: 'NO_MATCH' })]);
      expect(await applySteward(link)).toMatchObject({
        status: 'refused',
        code: 'RECORD_DELETED',
      });
      expect(await stateOf(caseId)).toMatchObject({ ...reopened, decided_by: null, resolution: null });
      await expect(publish(caseId, { action: 'REJECT' }, shown)).rejects.toMatchObject({ code: 'STALE_CASE' });
      const reject = await publish(caseId, { action: 'REJECT' }, (await stateOf(caseId)).version as number);
      expect(await applySteward(reject)).toMatchObject({ status: 'applied' });
      expect(await stateOf(caseId)).toMatchObject({ status: 'DECIDED', decided_by: STEWARD.username, resolution: 'REJECT' });
      expect(await rows(`select action, result->>'status' as status from steward_decisions where case_id = $1 order by decided_at`, [caseId])).toEqual([
        { action: 'LINK', status: 'refused' },
        { action: 'REJECT', status: 'applied' },
      ]);
      const history = await caseHistory(database.pool, caseId, new Date(0));
      expect(history.filter((e) => e.event.startsWith('STEWARD_DECISION_')).map((e) => [e.event, e.decision_action, e.refusal])).toEqual([
        ['STEWARD_DECISION_REFUSED', 'LINK', 'RECORD_DELETED'],
        ['STEWARD_DECISION_APPLIED', 'REJECT', null],
      ]);
    },
  );

  it("says why the register refused a steward's undo of their link once the record was deleted at its source, by its code: on the decision and in the case's history", async () => {
    const { first, caseId, link } = await linkedBySteward('undone');
    expect(await apply([follows(deletionOf(first))])).toEqual(['RECORD_UNLINKED']);
    const undo = await undoDecision(database.pool, context.topics, caseId, link.decision_id, STEWARD, 'undone by the test');
    expect(await applySteward(undo)).toMatchObject({
      status: 'refused',
      code: 'RECORD_NOT_LINKED',
    });
    const decisions = await caseDecisions(database.pool, caseId, STEWARD);
    expect(decisions.map((d) => [d.action, d.result])).toEqual([
      ['LINK', expect.objectContaining({ status: 'applied' })],
      ['UNDO', expect.objectContaining({ status: 'refused', code: 'RECORD_NOT_LINKED' })],
    ]);
    const history = await caseHistory(database.pool, caseId, new Date(0));
    expect(history.filter((e) => e.event.startsWith('STEWARD_DECISION_')).map((e) => [e.event, e.decision_action, e.refusal])).toEqual([
      ['STEWARD_DECISION_APPLIED', 'LINK', null],
      ['STEWARD_DECISION_REFUSED', 'UNDO', 'RECORD_NOT_LINKED'],
    ]);
  });

  it('refuses a second decision on a case whose first one stands, leaves the case as the first decided it, and takes a decision again once that one is undone', async () => {
    const { first, caseId, link } = await linkedBySteward('decided-twice');
    // Published around the steward service, which refuses a decided case: same steward, same action, another citizen.
    const again = (action: StewardDecision['action'], citizenId: string | null) => applySteward(stewardDecision(caseId, action, { citizen_id: citizenId }));
    expect(await again('LINK', B)).toMatchObject({ status: 'refused', code: 'CASE_DECIDED' });
    expect(await again('NEW', null)).toMatchObject({ status: 'refused', code: 'CASE_DECIDED' });
    expect(await linkOf(first)).toMatchObject({ citizen_id: A });
    expect(await rows('select count(*)::int as n from citizens where citizen_id = $1', [newCitizenId(first)])).toEqual([{ n: 0 }]);
    expect(await stateOf(caseId)).toMatchObject({ status: 'DECIDED', decided_by: STEWARD.username, resolution: 'LINK' });

    const undo = await undoDecision(database.pool, context.topics, caseId, link.decision_id, STEWARD, 'undone by the test');
    expect(await applySteward(undo)).toMatchObject({ status: 'applied' });
    const reject = await publish(caseId, { action: 'REJECT' });
    expect(await applySteward(reject)).toMatchObject({ status: 'applied' });
    expect(await stateOf(caseId)).toMatchObject({ status: 'DECIDED', resolution: 'REJECT' });
  });

  it("orders a case's decisions as they were made when the steward service that made the first one has a clock ahead of this one's", async () => {
    const { caseId, link } = await linkedBySteward('clock-ahead');
    // As a second steward service whose clock runs an hour ahead would have recorded it.
    await database.pool.query(`update steward_decisions set decided_at = decided_at + interval '1 hour' where decision_id = $1`, [link.decision_id]);
    const undo = await undoDecision(database.pool, context.topics, caseId, link.decision_id, STEWARD, 'undone by the test');
    expect(undo.decided_at).toBeGreaterThan(link.decided_at + 3_600_000);
    expect(await applySteward(undo)).toMatchObject({ status: 'applied' });
    const reject = await publish(caseId, { action: 'REJECT' });
    expect(reject.decided_at).toBeGreaterThan(undo.decided_at);
    expect((await caseDecisions(database.pool, caseId, STEWARD)).map((d) => d.action)).toEqual(['LINK', 'UNDO', 'REJECT']);
  });

  it('shows a case reopened under a standing decision, as the store left such cases before it refused second decisions, as decided by that one when a second is refused', async () => {
    const { first, caseId } = await linkedBySteward('reopened-standing');
    await database.pool.query(`update review_cases set status = 'OPEN', decided_by = null, decided_at = null, resolution = null where case_id = $1`, [caseId]);
    const reject = await publish(caseId, { action: 'REJECT' });
    expect(await stateOf(caseId)).toMatchObject({ status: 'DECIDED', resolution: 'REJECT' });
    expect(await applySteward(reject)).toMatchObject({
      status: 'refused',
      code: 'CASE_DECIDED',
    });
    expect(await stateOf(caseId)).toMatchObject({ status: 'DECIDED', decided_by: STEWARD.username, resolution: 'LINK' });
    expect(await linkOf(first)).toMatchObject({ citizen_id: A });
  });

  it('offers only a rejection of a case whose record was deleted at its source, says why, and refuses the others before publishing them', async () => {
    const first = firstEvent('offered', null);
    expect(await apply([ambiguous(first)])).toEqual(['review']);
    const { case_id: caseId } = await caseOf(first);
    await claimCase(database.pool, caseId, STEWARD, CLAIM_MINUTES);
    const offered = async () => {
      const view = (await caseView(database.pool, caseId))!;
      return [view.allowed_actions, view.actions_limited_by];
    };
    expect(await offered()).toEqual([['LINK', 'NEW', 'REJECT', 'MERGE'], null]);
    await apply([decision('UNLINKED', deletionOf(first), { reason: 'NO_MATCH' })]);
    expect(await offered()).toEqual([['REJECT'], 'RECORD_DELETED']);
    for (const request of [{ action: 'LINK', citizenId: A }, { action: 'NEW' }] as const)
      await expect(publish(caseId, request)).rejects.toMatchObject({ status: 422, code: 'RECORD_DELETED' });
    expect(await rows('select action from steward_decisions where case_id = $1', [caseId])).toEqual([]);
    const reject = await publish(caseId, { action: 'REJECT' });
    expect(await applySteward(reject)).toMatchObject({ status: 'applied' });
  });

  it("refuses a steward's link of a record deleted at its source while they held its case: the record stays deleted", async () => {
    const { linked, later, caseId } = await waitingRecord();
    await database.pool.query(`update review_cases set status = 'CLAIMED', claimed_by = 'steward.test', claimed_at = now() where case_id = $1`, [caseId]);
    expect(await apply([follows(deletionOf(linked))])).toEqual(['RECORD_UNLINKED']);
    expect(await steward(caseId, 'LINK', A)).toMatchObject({ status: 'refused', reason: expect.stringMatching(/not linked any more/) });
    expect(await linkOf(later)).toBeUndefined();
    expect(await steward(caseId, 'REJECT', null)).toMatchObject({ status: 'applied' });
  });

  it("refuses all but a rejection on a held case of an event its record's deletion followed, though the record was made again and linked since", async () => {
    const first = firstEvent('made-again-held', null);
    expect(await apply([ambiguous(first)])).toEqual(['review']);
    const { case_id: caseId } = await caseOf(first);
    await database.pool.query(`update review_cases set status = 'CLAIMED', claimed_by = 'steward.test', claimed_at = now() where case_id = $1`, [caseId]);
    const deletion = deletionOf(first);
    expect(await apply([ambiguous(deletion)])).toEqual(['deleted']);
    const madeAgain = { ...first, observation_id: `${first.observation_id}-again`, change_type: 'CREATE' as const, event_time: deletion.event_time + 60_000 };
    expect(await apply([decision('LINK', madeAgain, { citizen_id: B })])).toHaveLength(1);
    expect(await steward(caseId, 'LINK', A)).toMatchObject({ status: 'refused', code: 'RECORD_DELETED' });
    expect(await steward(caseId, 'NEW', null)).toMatchObject({ status: 'refused', code: 'RECORD_DELETED' });
    expect(await linkOf(first)).toEqual({ citizen_id: B, observation_id: madeAgain.observation_id });
    expect(await rows('select kind from linkage_constraints where subject like $1', [`%${first.source_record_id}`])).toEqual([]);
    expect(await steward(caseId, 'REJECT', null)).toMatchObject({ status: 'applied' });
    expect(await linkOf(first)).toEqual({ citizen_id: B, observation_id: madeAgain.observation_id });
  });

  it("leaves the record's link of its life made again at its source when a steward rejects a held case about its deleted link", async () => {
    const { linked, later, caseId } = await waitingRecord();
    await database.pool.query(`update review_cases set status = 'CLAIMED', claimed_by = 'steward.test', claimed_at = now() where case_id = $1`, [caseId]);
    const deletion = { ...deletionOf(linked), event_time: later.event_time + 30_000 };
    expect(await apply([follows(deletion)])).toEqual(['RECORD_UNLINKED']);
    const madeAgain = { ...linked, observation_id: `${linked.observation_id}-again`, change_type: 'CREATE' as const, event_time: deletion.event_time + 60_000 };
    expect(await apply([decision('LINK', madeAgain, { citizen_id: B })])).toHaveLength(1);
    expect(await steward(caseId, 'LINK', A)).toMatchObject({ status: 'refused', code: 'RECORD_DELETED' });
    expect(await steward(caseId, 'REJECT', null)).toMatchObject({ status: 'applied' });
    expect(await linkOf(linked)).toEqual({ citizen_id: B, observation_id: madeAgain.observation_id });
    expect(await rows('select kind from linkage_constraints where subject like $1 and revoked_at is null', [`%${linked.source_record_id}`])).toEqual([]);
  });

  it('keeps one case a record: a second doubted event closes the first as superseded, and is the one that waits', async () => {
    const { linked, later } = await waitingRecord();
    const newer = laterEvent(linked, 2);
    expect(await apply([doubted(newer)])).toEqual(['review']);
    expect(await caseOf(later)).toMatchObject({ status: 'DECIDED', decided_by: 'pipeline:linker', resolution: 'SUPERSEDED' });
    expect(await caseOf(newer)).toMatchObject({ reason: LINKED_RECORD_CONTRADICTED, status: 'OPEN' });
  });

  it('closes the case as linked when a later event follows the link', async () => {
    const { linked, later } = await waitingRecord();
    const newer = laterEvent(linked, 2, true);
    expect(await apply([follows(newer)])).toEqual(['FACT_RECORDED']);
    expect(await caseOf(later)).toMatchObject({ status: 'DECIDED', decided_by: 'pipeline:linker', resolution: 'LINK' });
  });

  it('leaves the case open when an event older than the waiting one, received late, follows the link', async () => {
    const { linked, later } = await waitingRecord();
    const older = { ...laterEvent(linked, 0, true), observation_id: `${linked.observation_id}-older`, event_time: linked.event_time + 30_000 };
    expect(await apply([follows(older)])).toEqual(['FACT_RECORDED']);
    expect(await caseOf(later)).toMatchObject({ status: 'OPEN' });
  });

  /** How many sessions of the database wait for a lock, seen from a connection in a transaction (whose activity statistics are read once unless cleared). */
  const lockWaits = async (client: PoolClient) => {
    await client.query('select pg_stat_clear_snapshot()');
    const { rows: waits } = await client.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
    );
    return waits[0]!.n;
  };

  /** Whether another transaction could lock the row `sql` locks now, without waiting (on a connection of its own: the test's pool holds two). */
  const lockableNow = async (sql: string, id: string | number) => {
    const own = createPool(database.url, 1);
    const probe = await own.connect();
    try {
      await probe.query('begin');
      return await probe.query(`${sql} for update nowait`, [id]).then(
        () => true,
        () => false,
      );
    } finally {
      await probe.query('rollback');
      probe.release();
      await own.end();
    }
  };
  const citizenFree = (citizenId: string) => lockableNow('select 1 from citizens where citizen_id = $1', citizenId);
  const caseFree = (caseId: number) => lockableNow('select 1 from review_cases where case_id = $1', caseId);

  it('locks the waiting case a later event of the record closes before the citizen it links to, as a steward locks a case before its citizens', async () => {
    const { linked, later, caseId } = await waitingRecord();
    // A steward's decision on the case (or another chunk deciding its event again) holds the case row.
    const holder = await database.pool.connect();
    try {
      await holder.query('begin');
      await holder.query('select 1 from review_cases where case_id = $1 for update', [caseId]);
      const applied = apply([follows(laterEvent(linked, 2, true))]);
      await waitUntil(
        () => lockWaits(holder),
        (n) => n > 0,
        20_000,
        'the chunk waiting for the case',
      );
      const free = await citizenFree(A);
      await holder.query('commit');
      expect([free, await applied]).toEqual([true, ['FACT_RECORDED']]);
    } finally {
      holder.release();
    }
    expect(await caseOf(later)).toMatchObject({ status: 'DECIDED', resolution: 'LINK' });
  });

  it("marks the outcome of the link's own event undone when a steward moves the record to another citizen", async () => {
    const { linked, caseId } = await waitingRecord();
    expect(await steward(caseId, 'LINK', B)).toMatchObject({ status: 'applied' });
    expect(await outcomesOf(linked)).toEqual([{ outcome: 'UNDONE', citizen_id: A }]);
  });

  /**
   * A deletion of the record applied while a steward's decision on its case is applied in another
   * transaction, not committed yet (its case decided, as the steward service publishes a decision
   * or as a decision leaves it for its undo: the deletion locks no case of it). Returns what the
   * deletion applied.
   */
  const deletedDuringDecision = async (decided: StewardDecision, deletion: LinkDecision) => {
    const holder = await database.pool.connect();
    try {
      await holder.query('begin');
      expect(await applyStewardDecision(holder, decided, context)).toMatchObject({ status: 'applied' });
      let settled = false;
      const applied = apply([deletion]).finally(() => {
        settled = true;
      });
      // Whether the deletion waits for the steward or not, it has read the record's link by then or reads it after the commit.
      await waitUntil(
        async () => settled || (await lockWaits(holder)) > 0,
        (done) => done,
        20_000,
        'the deletion waiting for the steward, or applied',
      );
      await holder.query('commit');
      return await applied;
    } catch (error) {
      await holder.query('rollback');
      throw error;
    } finally {
      holder.release();
    }
  };

  it('takes the record off the citizen a steward moved it to while its deletion was applied, and names that citizen', async () => {
    const { linked, later, caseId } = await waitingRecord();
    const deletion = { ...deletionOf(linked), event_time: later.event_time + 30_000 };
    expect(await deletedDuringDecision(await publish(caseId, { action: 'LINK', citizenId: B }), follows(deletion))).toEqual(['RECORD_UNLINKED']);
    expect(await linkOf(linked)).toBeUndefined();
    expect(await outcomesOf(deletion)).toEqual([{ outcome: 'DELETED', citizen_id: B }]);
    expect(await rows(`select message_key from outbox where payload->>'observation_id' = $1`, [deletion.observation_id])).toEqual([{ message_key: B }]);
  });

  it('takes the record off the citizen a steward linked it to while its deletion was applied: a deleted record never stays linked', async () => {
    const first = firstEvent('raced', null);
    expect(await apply([ambiguous(first)])).toEqual(['review']);
    const { case_id: caseId } = await caseOf(first);
    const deletion = deletionOf(first);
    const linked = await publish(caseId, { action: 'LINK', citizenId: A });
    expect(await deletedDuringDecision(linked, decision('UNLINKED', deletion, { reason: 'NO_MATCH' }))).toEqual(['RECORD_UNLINKED']);
    expect(await linkOf(first)).toBeUndefined();
    expect(await outcomesOf(deletion)).toEqual([{ outcome: 'DELETED', citizen_id: A }]);
  });

  it("takes the record off the citizen a steward's undo put it back on while its deletion was applied, and names that citizen", async () => {
    const { linked, later, caseId } = await waitingRecord();
    const move = stewardDecision(caseId, 'LINK', { citizen_id: B });
    expect(await applySteward(move)).toMatchObject({ status: 'applied' });
    const deletion = { ...deletionOf(linked), event_time: later.event_time + 30_000 };
    expect(await deletedDuringDecision(stewardDecision(caseId, 'UNDO', { undoes: move.decision_id }), follows(deletion))).toEqual(['RECORD_UNLINKED']);
    expect(await linkOf(linked)).toBeUndefined();
    expect(await outcomesOf(deletion)).toEqual([{ outcome: 'DELETED', citizen_id: A }]);
  });

  /** A transaction on a connection of its own (the test's pool holds two) that holds what a test makes another wait for; `end` commits or rolls it back once. */
  const sideTransaction = async () => {
    const own = createPool(database.url, 1);
    const client = await own.connect();
    await client.query('begin');
    let ended = false;
    const end = async (how: 'commit' | 'rollback') => {
      if (ended) return;
      ended = true;
      await client.query(how);
      client.release();
      await own.end();
    };
    return { client, end };
  };

  /** How many sessions wait for the advisory lock of `key`. */
  const waitsForKey = async (client: PoolClient, key: string) => (await keyLocks(client, [key])).filter((lock) => !lock.granted).length;

  /**
   * Applies a steward's decision on a connection of the test's pool, in a transaction committed if
   * it applied: `meanwhile` runs once `waits` says it waits for what the test holds, and returns what
   * it saw; then the decision's outcome (or error) is awaited.
   */
  const decideWhileHeld = async <T>(decided: StewardDecision, waits: () => Promise<boolean>, meanwhile: () => Promise<T>) => {
    const holder = await database.pool.connect();
    try {
      await holder.query('begin');
      const applying = applyStewardDecision(holder, decided, context).catch((error: unknown) => error);
      await waitUntil(waits, (waiting) => waiting, 20_000, 'the steward waiting');
      const seen = await meanwhile();
      const outcome = await applying;
      await holder.query(outcome instanceof Error ? 'rollback' : 'commit');
      return { seen, outcome };
    } catch (error) {
      await holder.query('rollback');
      throw error;
    } finally {
      holder.release();
    }
  };
  const applied = expect.objectContaining({ status: 'applied' });

  it("takes the record's lock before the case row of a steward's decision, as a chunk deciding the record again or deleting it does", async () => {
    const first = firstEvent('ordered', null);
    expect(await apply([ambiguous(first)])).toEqual(['review']);
    const { case_id: caseId } = await caseOf(first);
    const linked = await publish(caseId, { action: 'LINK', citizenId: A });
    // A chunk deciding the record again holds the record's lock, and would lock the case next (decision-load.ts).
    const record = await sideTransaction();
    try {
      await lockKeys(record.client, [recordLock(first)]);
      const decided = await decideWhileHeld(
        linked,
        async () => (await waitsForKey(record.client, recordLock(first))) === 1,
        async () => {
          const free = await caseFree(caseId);
          await record.end('commit');
          return free;
        },
      );
      expect(decided).toEqual({ seen: true, outcome: applied });
    } finally {
      await record.end('rollback');
    }
  });

  it("applies a steward's new citizen and the record's deletion one after the other when the citizen sends back the record's other case, which the deletion closes", async () => {
    // Two events of a record without a personal ID, each in review: the new citizen made of the first has the second in reach.
    const first = firstEvent('sent-back', null);
    const second = { ...first, observation_id: `${first.observation_id}-second`, event_time: first.event_time + 60_000 };
    expect(await apply([ambiguous(first)])).toEqual(['review']);
    expect(await apply([ambiguous(second)])).toEqual(['review']);
    const made = await publish((await caseOf(first)).case_id as number, { action: 'NEW' });
    const deletion = { ...deletionOf(first), event_time: second.event_time + 30_000 };
    // The steward's decision is held after its first locks by its link decision's id, claimed first in another transaction.
    const claim = await sideTransaction();
    try {
      await claim.client.query('insert into processed_events (consumer, event_id) values ($1, $2)', [STORE_CONSUMER, made.decision_id]);
      const decided = await decideWhileHeld(
        made,
        async () => (await lockWaits(claim.client)) === 1,
        async () => {
          const deleted = apply([decision('UNLINKED', deletion, { reason: 'NO_MATCH' })]).catch((error: unknown) => error);
          await waitUntil(
            () => lockWaits(claim.client),
            (n) => n === 2,
            20_000,
            'the deletion waiting too',
          );
          await claim.end('rollback');
          return { deleted };
        },
      );
      // Had the deletion locked the second case before the record's lock, each would wait for the other, until PostgreSQL aborted one.
      expect([decided.outcome, await decided.seen.deleted]).toEqual([applied, ['RECORD_UNLINKED']]);
    } finally {
      await claim.end('rollback');
    }
    expect(await rows('select rechecks, status, resolution from review_cases where observation_id = $1', [second.observation_id])).toEqual([
      { rechecks: 1, status: 'DECIDED', resolution: 'DELETED' },
    ]);
    expect(await outcomesOf(deletion)).toEqual([{ outcome: 'DELETED', citizen_id: newCitizenId(first) }]);
  });

  it("locks the keys of the record's latest event before any citizen when a later event following the link changed it while the steward's new citizen waited for the record", async () => {
    const { linked, later, caseId } = await waitingRecord();
    const made = await publish(caseId, { action: 'NEW' });
    const newer = observation({
      ...linked,
      observation_id: `${linked.observation_id}-newer`,
      change_type: 'UPDATE',
      event_time: later.event_time + 60_000,
      person: { ...linked.person, personal_id: `07930000${3000 + recordSequence}`, full_name: 'Trần Thị Hoa', name_key: 'tran thi hoa', given_name: 'Hoa' },
    });
    const keysOf = (o: PersonObservation) => recordKeysOf(settings, o).map((k) => `${k.rule}:${k.key}`);
    const key = keysOf(newer).find((k) => !keysOf(later).includes(k))!;
    // The later event is applied holding the record's lock, as a chunk takes it (classify.ts); another transaction holds one of its keys.
    const record = await sideTransaction();
    const keyHeld = await sideTransaction();
    try {
      await lockKeys(record.client, [recordLock(linked)]);
      expect(await applyDecisions(record.client, [follows(newer)], context)).toHaveLength(1);
      await lockKeys(keyHeld.client, [key]);
      const decided = await decideWhileHeld(
        made,
        async () => (await lockWaits(keyHeld.client)) === 1,
        async () => {
          await record.end('commit');
          await waitUntil(
            () => waitsForKey(keyHeld.client, key),
            (n) => n === 1,
            20_000,
            "the steward waiting for the new citizen's key",
          );
          const free = await citizenFree(A);
          await keyHeld.end('commit');
          return free;
        },
      );
      expect(decided).toEqual({ seen: true, outcome: applied });
    } finally {
      await record.end('rollback');
      await keyHeld.end('rollback');
    }
    expect(await rows('select citizen_id from record_links where source_record_id = $1', [linked.source_record_id])).toEqual([
      { citizen_id: newCitizenId(newer) },
    ]);
  });

  it("waits for the record's lock a chunk deleting the record holds, and then changes nothing for an earlier event of it", async () => {
    const first = firstEvent('deleted-meanwhile');
    const deleting = await sideTransaction();
    try {
      expect(await applyDecisions(deleting.client, [decision('UNLINKED', deletionOf(first), { reason: 'NO_MATCH' })], context)).toEqual(['deleted']);
      const linking = apply([decision('LINK', first, { citizen_id: A })]);
      // Without the record's lock, the link would not wait: read before the deletion committed, it would bring the record back.
      await waitUntil(
        () => waitsForKey(deleting.client, recordLock(first)),
        (n) => n === 1,
        20_000,
        "the link waiting for the record's lock",
      );
      await deleting.end('commit');
      expect(await linking).toEqual(['deleted']);
    } finally {
      await deleting.end('rollback');
    }
    expect(await linkOf(first)).toBeUndefined();
    expect(await outcomesOf(first)).toEqual([{ outcome: 'DELETED', citizen_id: null }]);
  });

  /** One person registered twice, as `survivor` and `merged`. */
  const registeredTwice = async (survivor: string, merged: string) => {
    const person = (personalId: string) => ({
      ...strangerPerson(personalId),
      full_name: 'Phạm Văn Đức',
      name_key: 'pham van duc',
      family_name: 'Phạm',
      middle_name: 'Văn',
      given_name: 'Đức',
      date_of_birth: { value: '1990-03-03', precision: 'DAY' as const },
    });
    for (const id of [survivor, merged]) expect(await apply([decision('NEW', observation({ person: person(id) }))])).toEqual(['CITIZEN_CREATED']);
  };

  /** One person registered twice (`survivor`, `merged`), a record of `merged` linked to them, and `merged` merged into `survivor`. */
  const recordOfMergedCitizen = async (kind: string, survivor: string, merged: string) => {
    await registeredTwice(survivor, merged);
    const record = firstEvent(kind, merged);
    expect(await apply([decision('LINK', record, { citizen_id: merged })])).toHaveLength(1);
    const merge = await mergeCitizens(database.pool, context, survivor, merged, 'steward:test', 'registered twice, it seemed');
    expect(await linkOf(record)).toMatchObject({ citizen_id: survivor });
    return { record, merge };
  };

  /**
   * Starts `applying` while a transaction of its own undoes the merge `mergeId`, commits the undo
   * once `applying` waits (it read the record on the survivor, whom the undo holds), and returns
   * what `applying` threw or returned.
   */
  const appliedWhileMergeUndone = async (mergeId: number, applying: () => Promise<unknown>, what: string) => {
    const holder = await database.pool.connect();
    try {
      await holder.query('begin');
      await undoMergeIn(holder, context, mergeId, 'steward:test', 'two people after all');
      const applied = applying().catch((error: unknown) => error);
      await waitUntil(
        () => lockWaits(holder),
        (n) => n > 0,
        20_000,
        `${what} waiting for the survivor`,
      );
      await holder.query('commit');
      return await applied;
    } catch (error) {
      await holder.query('rollback');
      throw error;
    } finally {
      holder.release();
    }
  };
  const movedMeanwhile = { code: 'RECORD_MOVED_MEANWHILE', retriable: true };

  it('takes the record off the citizen an undone merge gave it back to while its deletion was applied, failing the chunk retriably first', async () => {
    const [survivor, merged] = ['079300004001', '079300004002'];
    const { record, merge } = await recordOfMergedCitizen('merged', survivor, merged);
    const deletion = decision('LINK', deletionOf(record), { citizen_id: survivor, reason: 'SOURCE_RECORD_LINKED', method: 'DETERMINISTIC' });
    expect(await appliedWhileMergeUndone(merge.mergeId, () => apply([deletion]), 'the deletion')).toMatchObject(movedMeanwhile);
    expect(await apply([deletion])).toEqual(['RECORD_UNLINKED']);
    expect(await linkOf(record)).toBeUndefined();
    expect(await outcomesOf(deletion.observation)).toEqual([{ outcome: 'DELETED', citizen_id: merged }]);
    expect(await rows('select citizen_id from citizen_facts where source_record_id = $1 and withdrawn_at is null', [record.source_record_id])).toEqual([]);
  });

  it("takes the record a steward linked off the citizen an undone merge gave it back to while the link's undo was applied, failing the undo retriably first", async () => {
    const [survivor, merged] = ['079300004021', '079300004022'];
    await registeredTwice(survivor, merged);
    const record = firstEvent('steward-linked', null);
    expect(await apply([ambiguous(record)])).toEqual(['review']);
    const { case_id: caseId } = await caseOf(record);
    const link = stewardDecision(caseId, 'LINK', { citizen_id: merged });
    expect(await applySteward(link)).toMatchObject({ status: 'applied' });
    const merge = await mergeCitizens(database.pool, context, survivor, merged, 'steward:test', 'registered twice, it seemed');
    expect(await linkOf(record)).toMatchObject({ citizen_id: survivor });
    const undo = stewardDecision(caseId, 'UNDO', { undoes: link.decision_id });
    expect(await appliedWhileMergeUndone(merge.mergeId, () => applySteward(undo), 'the undo')).toMatchObject(movedMeanwhile);
    expect(await applySteward(undo)).toEqual({ status: 'applied', result: { undone: link.decision_id, citizen_id: merged } });
    expect(await linkOf(record)).toBeUndefined();
    expect(await rows('select citizen_id from citizen_facts where source_record_id = $1 and withdrawn_at is null', [record.source_record_id])).toEqual([]);
  });

  it("takes a doubted record off the citizen an undone merge gave it back to while a steward's rejection of its link was applied, failing the rejection retriably first", async () => {
    const merged = '079300004032';
    const { record, merge } = await recordOfMergedCitizen('doubted-merged', '079300004031', merged);
    const later = laterEvent(record, 1);
    expect(await apply([doubted(later)])).toEqual(['review']);
    const reject = stewardDecision((await caseOf(later)).case_id as number, 'REJECT');
    expect(await appliedWhileMergeUndone(merge.mergeId, () => applySteward(reject), 'the rejection')).toMatchObject(movedMeanwhile);
    expect(await applySteward(reject)).toMatchObject({ status: 'applied' });
    expect(await linkOf(record)).toBeUndefined();
    expect(await rows('select citizen_id from citizen_facts where source_record_id = $1 and withdrawn_at is null', [record.source_record_id])).toEqual([]);
  });

  it('takes the record off a citizen merged since its link was put back there, without failing the chunk again and again', async () => {
    const merged = '079300004012';
    const { record } = await recordOfMergedCitizen('left-on-merged', '079300004011', merged);
    // A link left on a merged citizen (as an undone steward confirmation put back before cac3deb; a register's old data).
    await database.pool.query('update record_links set citizen_id = $1 where source_record_id = $2', [merged, record.source_record_id]);
    const deletion = decision('LINK', deletionOf(record), { citizen_id: merged, reason: 'SOURCE_RECORD_LINKED', method: 'DETERMINISTIC' });
    expect(await apply([deletion])).toEqual(['RECORD_UNLINKED']);
    expect(await linkOf(record)).toBeUndefined();
  });
});
