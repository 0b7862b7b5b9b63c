import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { LINKED_RECORD_CONTRADICTED, SOURCE_RECORD_LINKED } from '../../services/shared/register/observation-verdict.js';
import { applyStewardDecision, type StewardContext } from '../../services/shared/review/steward-apply.js';
import type { LinkDecision, PersonObservation, StewardDecision } from '../../services/shared/schemas/records.js';
import { topicsFor } from '../../services/shared/schemas/topics.js';
import { applyDecisions, type ApplyResult } from '../../services/shared/store/apply-decisions.js';
import { mergeCitizens, undoMerge } from '../../services/shared/store/citizen-merges.js';
import { inTransaction } from '../../services/shared/store/db.js';
import { currentOrBootstrap } from '../../services/shared/store/settings-versions.js';
import { CONTEXT, decision, observation, stewardDecision, strangerPerson } from '../fixtures/link-decisions.js';
import { IsolatedDatabase } from '../helpers/isolated-run.js';

/**
 * A later event of a linked record that the linker doubted (LINKED_RECORD_CONTRADICTED: here the
 * record's person's twin sister, under her own ID), against PostgreSQL without the services: the
 * store leaves the link and the event waits; each steward action on the case, and its undo, treats
 * the record as a standing link: the record and all its claims go where the steward says, and an
 * undo puts them back as they stood. Synthetic people only.
 */
describe('a case about a later event of a linked record that contradicts its citizen', () => {
  const database = new IsolatedDatabase('linked-contradicted');
  const settings = loadSettings();
  const context: StewardContext = { ...CONTEXT, settings, topics: topicsFor('linked-contradicted') };
  const A = '079300000101';
  const B = '079300000202';
  /** A citizen as a snapshot loaded her: values no event claimed, which a record linked to her or taken off writes down as the register's claims. */
  const S = '079300000303';
  /** The twin sister each record's later event describes: another given name, the same birth date, an ID of her own (one a record, as a new citizen may be made of each). */
  const twinOf = (n: number) => `07930000${String(1000 + n)}`;
  let recordSequence = 0;

  const apply = (decisions: LinkDecision[]): Promise<ApplyResult[]> => inTransaction(database.pool, (client) => applyDecisions(client, decisions, context));

  let lastDecision = '';
  const applied = (decided: StewardDecision) => {
    lastDecision = decided.decision_id;
    return inTransaction(database.pool, (client) => applyStewardDecision(client, decided, context));
  };
  const steward = (caseId: number, action: 'LINK' | 'NEW' | 'REJECT' | 'UNDO', citizenId: string | null, undoes: string | null = null) =>
    applied(stewardDecision(caseId, action, { citizen_id: citizenId, undoes }));
  /** A steward's merge of `merged` into `survivor`, two candidates of the case. */
  const merge = (caseId: number, survivor: string, merged: string) =>
    applied(stewardDecision(caseId, 'MERGE', { citizen_id: survivor, other_citizen_id: merged }));
  const lastStewardDecision = () => lastDecision;

  /**
   * A vaccination record of A (or the citizen given), linked to her, and its later event that
   * describes her twin sister: the case the linker's doubt opens, B (or `other`) its second candidate.
   */
  const contradictedRecord = async (holder = A, other = B) => {
    recordSequence += 1;
    const linked = observation({
      source: 'vaccination',
      source_system: 'vacc-test',
      source_record_id: `vacc-${recordSequence}`,
      event_type: 'VACCINATION',
      event_date: '2026-02-10',
      attributes: { vaccine: 'BCG' },
      person: { personal_id: holder, address: '12 Đường Lê Lợi, Phường 1, Quận 3' },
    });
    expect(await apply([decision('LINK', linked, { citizen_id: holder })])).toEqual(['FACT_RECORDED']);
    const later = observation({
      ...linked,
      observation_id: `${linked.observation_id}-later`,
      change_type: 'UPDATE',
      event_time: linked.event_time + 60_000,
      event_date: '2026-02-11',
      attributes: { vaccine: 'BCG', dose: '2' },
      person: {
        ...linked.person,
        personal_id: twinOf(recordSequence),
        full_name: 'Trần Thị Lan',
        name_key: 'tran thi lan',
        given_name: 'Lan',
        address: `${recordSequence} Phố Huế, Hai Bà Trưng`,
      },
    });
    const summary =
      'An earlier event of this source record was linked to the first candidate, but this event contradicts them. The never_link rule "twins" holds.';
    const doubt = decision('REVIEW', later, {
      reason: LINKED_RECORD_CONTRADICTED,
      method: 'PROBABILISTIC',
      candidates: [
        { citizen_id: holder, score: 0.99 },
        { citizen_id: other, score: 0.01 },
      ],
      explanation: { prior: -8, comparisons: [], total: 6, runner_up_score: null, summary },
    });
    expect(await apply([doubt])).toEqual(['review']);
    const { rows } = await database.pool.query<{ case_id: number }>('select case_id::int as case_id from review_cases where observation_id = $1', [
      later.observation_id,
    ]);
    return { linked, later, caseId: rows[0]!.case_id, twin: twinOf(recordSequence), holder, other };
  };

  const rows = async (sql: string, params: unknown[]) => (await database.pool.query(sql, params)).rows;
  const recordOf = (o: PersonObservation) => [o.source, o.source_system, o.source_record_id];
  const RECORD = 'source = $1 and source_system = $2 and source_record_id = $3';
  const linkOf = async (o: PersonObservation) =>
    (await rows(`select citizen_id, method, observation->>'observation_id' as observation_id from record_links where ${RECORD}`, recordOf(o)))[0];
  /** The record's facts and field history, by citizen and observation. */
  const factsOf = (o: PersonObservation) =>
    rows(`select citizen_id, observation_id, withdrawn_at is null as live from citizen_facts where ${RECORD} order by id`, recordOf(o));
  const claimsOf = (o: PersonObservation) =>
    rows(`select distinct citizen_id, observation_id from field_provenance where ${RECORD} order by 1, 2`, recordOf(o));
  const constraintsOf = (o: PersonObservation) =>
    rows('select kind, citizen_id from linkage_constraints where subject = $1 and revoked_at is null order by id', [
      `record:${o.source}:${o.source_system}:${o.source_record_id}`,
    ]);

  /** What the register holds about the record and the citizens it could be: link, facts and history rows, outcomes, case, constraints, citizens' fields. */
  const registerStateOf = async ({
    linked,
    later,
    twin,
    holder,
    other = B,
  }: {
    linked: PersonObservation;
    later: PersonObservation;
    twin: string;
    holder: string;
    other?: string;
  }) => ({
    link: await rows(`select citizen_id, decision_id, method, score, reason, observation from record_links where ${RECORD}`, recordOf(linked)),
    facts: await rows(`select * from citizen_facts where ${RECORD} order by id`, recordOf(linked)),
    // The citizens' whole field histories, the register's own claims among them.
    history: await rows('select * from field_provenance where citizen_id = any($1::text[]) order by id', [[holder, other, twin]]),
    outcomes: await rows(
      `select decision_id, outcome, citizen_id from observation_outcomes where outcome <> 'UNDONE' and observation_id = any($1::text[]) order by decision_id`,
      [[linked.observation_id, later.observation_id]],
    ),
    case: await rows('select status, decided_by, resolution from review_cases where observation_id = $1', [later.observation_id]),
    constraints: await constraintsOf(linked),
    citizens: await rows(
      'select citizen_id, full_name, given_name, date_of_birth, sex, address, place_of_birth, status from citizens where citizen_id = any($1::text[]) order by citizen_id',
      [[holder, other, twin]],
    ),
  });

  /** The register before a steward's action on a fresh case, and after the action and its undo. */
  const decidedAndUndone = async (action: 'LINK' | 'NEW' | 'REJECT', citizenId: string | null, holder = A) => {
    const record = await contradictedRecord(holder);
    const before = await registerStateOf(record);
    expect(await steward(record.caseId, action, citizenId)).toMatchObject({ status: 'applied' });
    expect(await steward(record.caseId, 'UNDO', null, lastStewardDecision())).toMatchObject({ status: 'applied' });
    return { before, after: await registerStateOf(record) };
  };

  beforeAll(async () => {
    await database.setUp();
    await currentOrBootstrap(database.pool, settings, 'test');
    const births = [observation({ person: { personal_id: A } }), observation({ person: strangerPerson(B) })];
    expect(await apply(births.map((o) => decision('NEW', o)))).toEqual(['CITIZEN_CREATED', 'CITIZEN_CREATED']);
    // S holds an address and a place of birth no event has claimed, as a loaded snapshot does.
    expect(await apply([decision('NEW', observation({ person: { personal_id: S } }))])).toEqual(['CITIZEN_CREATED']);
    await database.pool.query(`delete from field_provenance where citizen_id = $1 and field = 'address'`, [S]);
    await database.pool.query(`update citizens set place_of_birth = 'Hà Nội' where citizen_id = $1`, [S]);
  });

  afterAll(async () => {
    await database.cleanUp();
  });

  it('leaves the link as it stood and applies nothing of the doubted event until a steward decides', async () => {
    const { linked } = await contradictedRecord();
    expect(await linkOf(linked)).toEqual({ citizen_id: A, method: 'PROBABILISTIC', observation_id: linked.observation_id });
    expect([await factsOf(linked), await claimsOf(linked)]).toEqual([
      [{ citizen_id: A, observation_id: linked.observation_id, live: true }],
      [{ citizen_id: A, observation_id: linked.observation_id }],
    ]);
  });

  it("applies the waiting event to the record's citizen when a steward confirms the link", async () => {
    const { linked, later, caseId } = await contradictedRecord();
    expect(await steward(caseId, 'LINK', A)).toMatchObject({ status: 'applied', result: { citizen_id: A, applied_observation_id: later.observation_id } });
    expect(await linkOf(linked)).toEqual({ citizen_id: A, method: 'STEWARD', observation_id: later.observation_id });
    expect(await factsOf(linked)).toEqual([
      { citizen_id: A, observation_id: linked.observation_id, live: false },
      { citizen_id: A, observation_id: later.observation_id, live: true },
    ]);
    expect(await claimsOf(linked)).toEqual([
      { citizen_id: A, observation_id: linked.observation_id },
      { citizen_id: A, observation_id: later.observation_id },
    ]);
  });

  it('takes the record and every claim of its earlier events off its citizen, and applies its latest event to the other, when a steward moves it', async () => {
    const { linked, caseId, later } = await contradictedRecord();
    expect(await steward(caseId, 'LINK', B)).toMatchObject({ status: 'applied' });
    expect(await linkOf(linked)).toEqual({ citizen_id: B, method: 'STEWARD', observation_id: later.observation_id });
    expect([await factsOf(linked), await claimsOf(linked)]).toEqual([
      [{ citizen_id: B, observation_id: later.observation_id, live: true }],
      [{ citizen_id: B, observation_id: later.observation_id }],
    ]);
  });

  it('takes the record and every claim of its earlier events off its citizen when a steward makes a new citizen of it', async () => {
    const { linked, caseId, later, twin } = await contradictedRecord();
    expect(await steward(caseId, 'NEW', null)).toMatchObject({ status: 'applied', result: { citizen_id: twin } });
    expect(await linkOf(linked)).toEqual({ citizen_id: twin, method: 'STEWARD', observation_id: later.observation_id });
    expect(await claimsOf(linked)).toEqual([{ citizen_id: twin, observation_id: later.observation_id }]);
    expect(await constraintsOf(linked)).toEqual([
      { kind: 'CANNOT_LINK', citizen_id: A },
      { kind: 'CANNOT_LINK', citizen_id: B },
    ]);
  });

  it('takes the record off its citizen and records that it is not them when a steward rejects it', async () => {
    const { linked, caseId } = await contradictedRecord();
    expect(await steward(caseId, 'REJECT', null)).toMatchObject({ status: 'applied' });
    expect([await linkOf(linked), await factsOf(linked), await claimsOf(linked)]).toEqual([undefined, [], []]);
    expect(await constraintsOf(linked)).toEqual([{ kind: 'CANNOT_LINK', citizen_id: A }]);
  });

  it.each([
    ['puts the record back as it stood, without the waiting event, when the confirmation of its link is undone', 'LINK', A],
    ['returns the record with all its claims to the citizen it was linked to, and takes it off the other, when a move is undone', 'LINK', B],
    ['returns the record to the citizen it was linked to, and removes the new citizen, when a new citizen made of it is undone', 'NEW', null],
    ['puts the link back and lifts the cannot-link when a rejection is undone', 'REJECT', null],
  ] as const)('%s', async (_, action, citizenId) => {
    const { before, after } = await decidedAndUndone(action, citizenId);
    expect(after).toEqual(before);
  });

  it.each([
    ['confirmation', 'LINK', S],
    ['move', 'LINK', B],
    ['rejection', 'REJECT', null],
  ] as const)(
    "leaves the field history of a citizen holding values no event claimed as it was when a %s of her record's link is undone",
    async (_, action, citizenId) => {
      const { before, after } = await decidedAndUndone(action, citizenId, S);
      expect(after).toEqual(before);
    },
  );

  /** Two citizens of their own, a record of the first and its doubted later event, for a merge to join without touching A or B. */
  let pairSequence = 0;
  const mergeableRecord = async () => {
    pairSequence += 1;
    const [holder, other] = [`07930000${2000 + 2 * pairSequence}`, `07930000${2001 + 2 * pairSequence}`];
    const births = [observation({ person: { personal_id: holder } }), observation({ person: strangerPerson(other) })];
    expect(await apply(births.map((o) => decision('NEW', o)))).toEqual(['CITIZEN_CREATED', 'CITIZEN_CREATED']);
    return contradictedRecord(holder, other);
  };

  /** The survivor and the citizen merged into them: the other candidate into the record's citizen, or her into the other. */
  const mergeOf = (record: { holder: string; other: string }, intoOther: boolean): [string, string] =>
    intoOther ? [record.other, record.holder] : [record.holder, record.other];

  it.each([
    ["merges the other candidate into the record's citizen and applies the waiting event to her", false],
    ["applies the waiting event to the other candidate when the record's citizen is merged into her", true],
  ] as const)('%s when a steward merges them', async (_, intoOther) => {
    const record = await mergeableRecord();
    const [survivor, merged] = mergeOf(record, intoOther);
    expect(await merge(record.caseId, survivor, merged)).toMatchObject({
      status: 'applied',
      result: { citizen_id: survivor, applied_observation_id: record.later.observation_id },
    });
    expect(await linkOf(record.linked)).toEqual({ citizen_id: survivor, method: 'STEWARD', observation_id: record.later.observation_id });
    expect(await factsOf(record.linked)).toEqual([
      { citizen_id: survivor, observation_id: record.linked.observation_id, live: false },
      { citizen_id: survivor, observation_id: record.later.observation_id, live: true },
    ]);
  });

  it.each([
    ["the other candidate merged into the record's citizen", false],
    ["the record's citizen merged into the other candidate", true],
  ] as const)('puts the record back on its citizen as it stood, and both citizens as they were, when a merge of %s is undone', async (_, intoOther) => {
    const record = await mergeableRecord();
    const before = await registerStateOf(record);
    const [survivor, merged] = mergeOf(record, intoOther);
    expect(await merge(record.caseId, survivor, merged)).toMatchObject({ status: 'applied' });
    expect(await steward(record.caseId, 'UNDO', null, lastStewardDecision())).toMatchObject({
      status: 'applied',
      result: { restored_to: record.holder },
    });
    expect(await registerStateOf(record)).toEqual(before);
  });

  it("keeps the record on the survivor of its citizen merged since a steward's confirmation of its link, when the confirmation is undone, for the merge's undo to take it back", async () => {
    const record = await mergeableRecord();
    const { linked, caseId, holder, other } = record;
    // While a steward holds the case, a still later event follows the link: the confirmation has nothing to apply, it keeps the link as it stands.
    await database.pool.query(`update review_cases set status = 'CLAIMED', claimed_by = 'steward.test', claimed_at = now() where case_id = $1`, [caseId]);
    const newer = observation({ ...linked, observation_id: `${linked.observation_id}-newer`, change_type: 'UPDATE', event_time: linked.event_time + 120_000 });
    expect(await apply([decision('LINK', newer, { citizen_id: holder, reason: SOURCE_RECORD_LINKED, method: 'DETERMINISTIC' })])).toEqual(['FACT_RECORDED']);
    expect(await steward(caseId, 'LINK', holder)).toEqual({ status: 'applied', result: { citizen_id: holder } });
    const confirmation = lastStewardDecision();
    const merge = await mergeCitizens(database.pool, context, other, holder, 'steward:test', 'registered twice, it seemed');
    expect(await steward(caseId, 'UNDO', null, confirmation)).toMatchObject({ status: 'applied', result: { citizen_id: other } });
    const followed = { method: 'DETERMINISTIC', observation_id: newer.observation_id };
    expect(await linkOf(linked)).toEqual({ citizen_id: other, ...followed });
    await undoMerge(database.pool, context, merge.mergeId, 'steward:test', 'two people after all');
    expect(await linkOf(linked)).toEqual({ citizen_id: holder, ...followed });
  });

  it('refuses a steward decision about a case that does not exist as such, not as a broken reference', async () => {
    await expect(applied(stewardDecision(2_000_000_000, 'NEW'))).rejects.toMatchObject({ code: 'CASE_NOT_FOUND', retriable: false });
  });
});
