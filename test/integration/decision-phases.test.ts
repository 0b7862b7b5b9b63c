import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyDecisions, STORE_CONSUMER, type ApplyStats } from '../../services/shared/store/apply-decisions.js';
import { inTransaction } from '../../services/shared/store/db.js';
import { loadForDecisions } from '../../services/shared/store/decision-load.js';
import { DECISION_TABLES } from '../../services/shared/store/decision-tables.js';
import { writePlan } from '../../services/shared/store/decision-write.js';
import { planDecisions } from '../../services/shared/store/plan/plan-decisions.js';
import { CONTEXT, decision, observation, strangerPerson } from '../fixtures/link-decisions.js';
import { IsolatedDatabase } from '../helpers/isolated-run.js';

describe('the store’s decision path in phases, against PostgreSQL', () => {
  const database = new IsolatedDatabase('decision-phases');

  beforeAll(async () => {
    await database.setUp();
  });

  afterAll(async () => {
    await database.cleanUp();
  });

  it('declares every table it writes with columns and types the migrations give it', async () => {
    for (const table of DECISION_TABLES) {
      const { rows } = await database.pool.query<{ column_name: string; data_type: string }>(
        `select column_name, data_type from information_schema.columns where table_schema = 'public' and table_name = $1`,
        [table.name],
      );
      const migrated = rows.map((row) => `${row.column_name} ${row.data_type === 'timestamp with time zone' ? 'timestamptz' : row.data_type}`);
      expect(migrated, table.name).toEqual(expect.arrayContaining(table.recordType().split(', ')));
    }
  });

  it('writes the rows the plan names: a citizen at version 1, its link with evidence, history, keys, outcome, audit and outbox', async () => {
    const birth = decision('NEW', observation({ person: { personal_id: '079300000101' } }));
    const vaccination = decision('LINK', observation({ source: 'vaccination', event_type: 'VACCINATION', person: { personal_id: '079300000101' } }), {
      citizen_id: '079300000101',
    });
    const stats: ApplyStats = { roundTrips: 0, rows: 0 };
    const results = await inTransaction(database.pool, (client) => applyDecisions(client, [birth, vaccination], CONTEXT, stats));
    expect(results).toEqual(['CITIZEN_CREATED', 'FACT_RECORDED']);
    // Claim, the records' locks, key locks, the records' deletions, citizens, records in reach of the new citizen, then one write.
    expect(stats.roundTrips).toBe(7);
    const db = database.pool;
    const citizen = await db.query(`select full_name, date_of_birth, status, version, origin from citizens where citizen_id = '079300000101'`);
    expect(citizen.rows).toEqual([{ full_name: 'Trần Thị Mai', date_of_birth: '2026-01-15', status: 'ALIVE', version: 1, origin: 'source:civil-status' }]);
    const links = await db.query(
      `select decision_id, settings_version, reason, evidence from record_links where citizen_id = '079300000101' order by decision_id`,
    );
    expect(links.rows).toEqual(
      expect.arrayContaining([
        { decision_id: birth.decision_id, settings_version: 'sv-test-1', reason: 'NO_CANDIDATE', evidence: null },
        { decision_id: vaccination.decision_id, settings_version: 'sv-test-1', reason: 'ABOVE_THRESHOLD', evidence: vaccination.evidence },
      ]),
    );
    const provenance = await db.query(`select field, is_current from field_provenance where citizen_id = '079300000101' and field = 'full_name' order by id`);
    expect(provenance.rows.filter((row) => row.is_current)).toHaveLength(1);
    const keys = await db.query(`select count(*)::int as n from citizen_blocking_keys where citizen_id = '079300000101'`);
    expect(keys.rows[0].n).toBeGreaterThan(0);
    const facts = await db.query(`select kind, withdrawn_at from citizen_facts where citizen_id = '079300000101'`);
    expect(facts.rows).toEqual([{ kind: 'VACCINATION', withdrawn_at: null }]);
    const outcomes = await db.query(`select outcome from observation_outcomes where citizen_id = '079300000101' order by outcome`);
    expect(outcomes.rows.map((r) => r.outcome)).toEqual(['CREATED', 'LINKED']);
    const audit = await db.query(`select action from audit_log where citizen_id = '079300000101' order by id`);
    expect(audit.rows.map((r) => r.action)).toEqual(['CITIZEN_CREATED', 'FACT_RECORDED']);
    const outbox = await db.query(`select payload->>'update_type' as type from outbox where message_key = '079300000101' order by id`);
    expect(outbox.rows.map((r) => r.type)).toEqual(['CITIZEN_CREATED', 'FACT_RECORDED']);

    const again = await inTransaction(database.pool, (client) => applyDecisions(client, [birth, vaccination], CONTEXT));
    expect(again).toEqual(['duplicate', 'duplicate']);
  });

  it('fails the chunk retriably when another transaction registered the same citizen after it read the register, and applies it on the retry', async () => {
    const birth = decision('NEW', observation({ person: { personal_id: '079300000202' } }));
    const attempt = inTransaction(database.pool, async (client) => {
      const loaded = await loadForDecisions(client, STORE_CONSUMER, [birth], CONTEXT.settings);
      const { rows } = planDecisions([birth], loaded, CONTEXT);
      // Another instance registers the same person meanwhile (without this chunk's key locks).
      await database.pool.query(
        `insert into citizens (citizen_id, personal_id, full_name, name_key, family_name, origin) values ('079300000202', '079300000202', 'Trần Thị Mai', 'tran thi mai', 'Trần', 'source:civil-status')`,
      );
      return writePlan(client, rows);
    });
    await expect(attempt).rejects.toMatchObject({ code: 'CITIZEN_REGISTERED_MEANWHILE', retriable: true });
    const retried = await inTransaction(database.pool, (client) => applyDecisions(client, [birth], CONTEXT));
    expect(retried).not.toEqual(['duplicate']);
    const links = await database.pool.query(`select citizen_id from record_links where decision_id = $1`, [birth.decision_id]);
    expect(links.rows).toEqual([{ citizen_id: '079300000202' }]);
  });

  it("opens a review case naming the ID's holder, and links nothing to them, for a NEW decision that saw the holder among its candidates", async () => {
    const birth = decision('NEW', observation({ person: { personal_id: '079300000401' } }));
    await inTransaction(database.pool, (client) => applyDecisions(client, [birth], CONTEXT));
    const other = decision('NEW', observation({ person: strangerPerson('079300000401') }), {
      reason: 'BELOW_REVIEW_THRESHOLD',
      candidates: [{ citizen_id: '079300000401', score: 0.002 }],
    });
    const results = await inTransaction(database.pool, (client) => applyDecisions(client, [other], CONTEXT));
    expect(results).toEqual(['review']);
    const cases = await database.pool.query(`select reason, status, candidates from review_cases where observation_id = $1`, [
      other.observation.observation_id,
    ]);
    expect(cases.rows).toEqual([{ reason: 'PID_CONTRADICTED', status: 'OPEN', candidates: [{ citizen_id: '079300000401', score: 0.002 }] }]);
    const links = await database.pool.query(`select count(*)::int as n from record_links where decision_id = $1`, [other.decision_id]);
    expect(links.rows[0].n).toBe(0);
  });

  it("sends a record stored waiting with an ID mistyped once back to the linker when a later chunk registers the ID's holder", async () => {
    // Shares no blocking key with the fixture's Trần Thị Mai but through the ID's typo variants.
    const waiting = decision('UNLINKED', observation({ source: 'vaccination', event_type: 'VACCINATION', person: strangerPerson('079300000371') }));
    const stats: ApplyStats = { roundTrips: 0, rows: 0 };
    await inTransaction(database.pool, (client) => applyDecisions(client, [waiting], CONTEXT, stats));
    const birth = decision('NEW', observation({ person: { personal_id: '079300000301' } }));
    await inTransaction(database.pool, (client) => applyDecisions(client, [birth], CONTEXT, stats));
    const sent = await database.pool.query(`select event_id from outbox where event_id like $1`, [`${waiting.observation.observation_id}:relink:%`]);
    expect(sent.rows).toEqual([{ event_id: `${waiting.observation.observation_id}:relink:1` }]);
  });

  describe('two attempts at one waiting record in one chunk', () => {
    /** A citizen to link to, registered by a birth, and a record of her without an ID. */
    async function citizenAndRecord(personalId: string) {
      await inTransaction(database.pool, (client) => applyDecisions(client, [decision('NEW', observation({ person: { personal_id: personalId } }))], CONTEXT));
      return observation({ source: 'vaccination', event_type: 'VACCINATION', person: { personal_id: null } });
    }

    const stored = (observationId: string) =>
      database.pool.query(
        `select u.resolution, u.resolved_citizen_id, u.attempt, (select count(*)::int from unlinked_keys k where k.observation_id = u.observation_id) as keys
           from unlinked_records u where u.observation_id = $1`,
        [observationId],
      );

    it('resolves as linked, in the one transaction, a stored waiting record kept waiting again and then linked', async () => {
      const o = await citizenAndRecord('079300000501');
      await inTransaction(database.pool, (client) => applyDecisions(client, [decision('UNLINKED', o, { reason: 'NO_MATCH' })], CONTEXT));
      const chunk = [
        decision('UNLINKED', { ...o, attempt: 1 }, { reason: 'NO_MATCH' }),
        decision('LINK', { ...o, attempt: 2 }, { citizen_id: '079300000501' }),
      ];
      const results = await inTransaction(database.pool, (client) => applyDecisions(client, chunk, CONTEXT));
      expect(results).toEqual(['unlinked', 'FACT_RECORDED']);
      expect((await stored(o.observation_id)).rows).toEqual([{ resolution: 'LINKED', resolved_citizen_id: '079300000501', attempt: 1, keys: 0 }]);
    });

    it('resolves as linked a record the same chunk first keeps waiting, never leaving it waiting beside its link', async () => {
      const o = await citizenAndRecord('079300000601');
      const chunk = [decision('UNLINKED', o, { reason: 'NO_MATCH' }), decision('LINK', { ...o, attempt: 1 }, { citizen_id: '079300000601' })];
      await inTransaction(database.pool, (client) => applyDecisions(client, chunk, CONTEXT));
      expect((await stored(o.observation_id)).rows).toEqual([{ resolution: 'LINKED', resolved_citizen_id: '079300000601', attempt: 0, keys: 0 }]);
    });

    it('closes, in the one transaction, the case an attempt of the chunk refreshes when a later attempt links the record', async () => {
      const o = await citizenAndRecord('079300000701');
      const doubt = {
        reason: 'BETWEEN_THRESHOLDS',
        explanation: { prior: -8, comparisons: [], total: 2, runner_up_score: null, summary: 'between thresholds' },
      };
      await inTransaction(database.pool, (client) => applyDecisions(client, [decision('REVIEW', o, doubt)], CONTEXT));
      const chunk = [decision('REVIEW', { ...o, attempt: 1 }, doubt), decision('LINK', { ...o, attempt: 2 }, { citizen_id: '079300000701' })];
      await inTransaction(database.pool, (client) => applyDecisions(client, chunk, CONTEXT));
      const cases = await database.pool.query(`select status, resolution from review_cases where observation_id = $1`, [o.observation_id]);
      expect(cases.rows).toEqual([{ status: 'DECIDED', resolution: 'LINK' }]);
    });
  });
});
