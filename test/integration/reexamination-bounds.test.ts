import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlockingRule } from '../../services/shared/linkage/settings.js';
import { applyStewardDecision, type StewardContext } from '../../services/shared/review/steward-apply.js';
import type { LinkDecision, PersonObservation, StewardDecision } from '../../services/shared/schemas/records.js';
import { topicsFor } from '../../services/shared/schemas/topics.js';
import { applyDecisions, type ApplyResult } from '../../services/shared/store/apply-decisions.js';
import { mergeCitizens, undoMerge } from '../../services/shared/store/citizen-merges.js';
import { inTransaction, type PoolClient } from '../../services/shared/store/db.js';
import { loadCitizens } from '../../services/shared/store/decision-load.js';
import type { ReexaminationTrigger } from '../../services/shared/store/plan/reexamination.js';
import { reexamineAfterChanges } from '../../services/shared/store/register-reexamination.js';
import { currentOrBootstrap, recordSettingsVersion } from '../../services/shared/store/settings-versions.js';
import { CONTEXT, decision, observation } from '../fixtures/link-decisions.js';
import { IsolatedDatabase } from '../helpers/isolated-run.js';

/**
 * The bounds of the re-examinations after changes of the register, against PostgreSQL without
 * the services: their own accounting beside the store's relink budget, one bound per
 * transaction picked fairly, reach computed with the register's current settings, and the
 * stewards' undone merges and unlinks among the changes. Invented people only.
 */
describe('re-examinations after changes of the register, bounded and fair', () => {
  const database = new IsolatedDatabase('reexam-bounds');
  const context: StewardContext = { ...CONTEXT, topics: topicsFor('reexam-bounds'), maxRecordsPerTransaction: 3 };
  let stewardSequence = 0;

  const apply = (decisions: LinkDecision[], ctx: StewardContext = context): Promise<ApplyResult[]> =>
    inTransaction(database.pool, (client) => applyDecisions(client, decisions, ctx));
  const query = async <T extends object>(sql: string, params: unknown[] = []) => (await database.pool.query<T>(sql, params)).rows;

  /** An invented person: a name of three parts, a day of birth, and a personal ID or none. */
  const person = (family: string, middle: string, given: string, born: string, personalId: string | null) => ({
    personal_id: personalId,
    full_name: `${family} ${middle} ${given}`,
    name_key: `${family} ${middle} ${given}`.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/gi, 'd').toLowerCase(),
    family_name: family,
    middle_name: middle,
    given_name: given,
    date_of_birth: { value: born, precision: 'DAY' as const },
    address: '5 Đường Hoa Sữa, Phường 2, Quận 9',
  });
  const birthOf = (p: ReturnType<typeof person>) => decision('NEW', observation({ person: p }));
  const vaccinationOf = (p: ReturnType<typeof person>) =>
    observation({
      source: 'vaccination',
      source_system: 'vacc-test',
      event_type: 'VACCINATION',
      attributes: { vaccine: 'BCG' },
      person: { ...p, personal_id: null },
    });

  /** The changes of the register named, re-examined in one transaction (each entry one call in it). */
  const reexamine = (...calls: { citizenId: string; trigger: ReexaminationTrigger }[][]) =>
    inTransaction(database.pool, async (client: PoolClient) => {
      for (const changes of calls) {
        const loaded = await loadCitizens(
          client,
          changes.map((c) => c.citizenId),
        );
        const rows = new Map(loaded.citizens.map((s) => [s.row.citizen_id, s.row]));
        await reexamineAfterChanges(
          client,
          context,
          changes.map((c) => ({ ...c, row: rows.get(c.citizenId)! })),
        );
      }
    });
  const rowsOf = (citizenIds: string[]) =>
    query<{ id: number; trigger: string; citizen_id: string; in_reach: number; sent: number; over_bound: number }>(
      'select id::int as id, trigger, citizen_id, in_reach, sent, over_bound from register_reexaminations where citizen_id = any($1::text[]) order by id',
      [citizenIds],
    );
  const sentBy = async (ids: number[]) =>
    (await query<{ observation_id: string }>('select observation_id from settings_relinks where reexamination_id = any($1::int[]) order by 1', [ids])).map(
      (r) => r.observation_id,
    );

  beforeAll(async () => {
    await database.setUp();
  });

  afterAll(async () => {
    await database.cleanUp();
  });

  describe('the store’s own relink budget', () => {
    const lộc = (id: string | null) => person('Trịnh', 'Văn', 'Lộc', '2001-07-07', id);
    let waiting: PersonObservation;

    beforeAll(async () => {
      expect(await apply([birthOf(lộc('079201000711'))])).toEqual(['CITIZEN_CREATED']);
      waiting = vaccinationOf(lộc(null));
      expect(await apply([decision('UNLINKED', waiting, { reason: 'BELOW_THRESHOLD', candidates: [{ citizen_id: '079201000711', score: 0.4 }] })])).toEqual([
        'unlinked',
      ]);
      // Twenty-one corrections of a namesake each send the waiting record back: more than the store's own budget.
      for (let i = 0; i < 21; i++) await reexamine([{ citizenId: '079201000711', trigger: 'CORRECTED' }]);
    }, 60_000);

    it('sends a waiting record back each time a change of a namesake puts it in reach, past the store’s own budget', async () => {
      expect(
        await query('select count(*)::int as n from settings_relinks where observation_id = $1 and reexamination_id is not null', [waiting.observation_id]),
      ).toEqual([{ n: 21 }]);
    });

    it('still sends the waiting record back itself when its own citizen is registered after those changes', async () => {
      expect(await apply([birthOf(lộc('079201000722'))])).toEqual(['CITIZEN_CREATED']);
      const relinks = await query<{ event_id: string }>(`select event_id from outbox where event_id like $1 || ':relink:%'`, [waiting.observation_id]);
      expect(relinks).toEqual([{ event_id: `${waiting.observation_id}:relink:22` }]);
    });
  });

  describe('one bound per transaction, picked fairly', () => {
    const hoa = (id: string) => person('Đặng', 'Thị', 'Hoa', '1990-05-05', id);
    const namesakes = ['079190000501', '079190000502', '079190000503', '079190000504', '079190000505', '079190000506'];
    const changed = ['079190000511', '079190000512'];
    const both = changed.map((citizenId) => ({ citizenId, trigger: 'CORRECTED' as const }));

    beforeAll(async () => {
      await apply([...namesakes, ...changed].map((id) => birthOf(hoa(id))));
      // Each namesake has a vaccination without ID linked to them: in reach of the two changed citizens, who share their name and birth.
      await apply(namesakes.map((id) => decision('LINK', vaccinationOf(hoa(id)), { citizen_id: id })));
    });

    it('sends at most the bound from all the changes of a transaction together, and counts the rest as over the bound', async () => {
      await reexamine(both);
      const rows = await rowsOf(changed);
      expect(rows.reduce((n, r) => [n[0]! + r.in_reach, n[1]! + r.sent, n[2]! + r.over_bound], [0, 0, 0])).toEqual([6, 3, 3]);
    });

    it('sends the records not re-examined yet when the same changes come again', async () => {
      const first = await sentBy((await rowsOf(changed)).map((r) => r.id));
      await reexamine(both);
      const all = (await rowsOf(changed)).map((r) => r.id);
      const second = (await sentBy(all)).filter((id) => !first.includes(id));
      expect([first.length, second.length]).toEqual([3, 3]);
    });

    it('keeps to the bound over every step of a transaction that changes the register more than once', async () => {
      const before = (await rowsOf(changed)).length;
      await reexamine([both[0]!], [both[1]!]);
      const rows = (await rowsOf(changed)).slice(before);
      expect(rows.reduce((n, r) => n + r.sent, 0)).toBe(3);
    });
  });

  describe('a transaction that re-examines more than once', () => {
    it('sends a record in reach of both steps back once', async () => {
      const tài = (id: string | null) => person('Lý', 'Văn', 'Tài', '1993-04-04', id);
      await apply([birthOf(tài('079193000401')), birthOf(tài('079193000402'))]);
      const waiting = vaccinationOf(tài(null));
      await apply([decision('UNLINKED', waiting, { reason: 'BELOW_THRESHOLD', candidates: [{ citizen_id: '079193000401', score: 0.4 }] })]);
      await reexamine([{ citizenId: '079193000401', trigger: 'CORRECTED' }], [{ citizenId: '079193000402', trigger: 'UNLINKED' }]);
      expect(await query('select count(*)::int as n from settings_relinks where observation_id = $1', [waiting.observation_id])).toEqual([{ n: 1 }]);
    });
  });

  describe('linked records in reach of their citizen but not on their own keys', () => {
    const mai = (id: string, born: string) => person('Hà', 'Thị', 'Mai', born, id);
    const sameBirth = ['079185000301', '079185000302'];
    const otherYears = ['079186000301', '079187000301', '079188000301', '079189000301', '079191000301', '079192000301'];
    const changed = '079185000311';

    beforeAll(async () => {
      await apply([
        birthOf(mai(changed, '1985-03-03')),
        ...sameBirth.map((id) => birthOf(mai(id, '1985-03-03'))),
        ...otherYears.map((id) => birthOf(mai(id, `19${id.slice(4, 6)}-03-03`))),
      ]);
      // Each namesake has a vaccination without ID linked to them: only the same-birth ones share enough keys of their own with the changed citizen
      // (the others' are written at another house, as the same address would make a second key: the name at the household's address).
      await apply([
        ...sameBirth.map((id) => decision('LINK', vaccinationOf(mai(id, '1985-03-03')), { citizen_id: id })),
        ...otherYears.map((id) =>
          decision('LINK', vaccinationOf({ ...mai(id, `19${id.slice(4, 6)}-03-03`), address: '41 Đường Hoa Sữa, Phường 2, Quận 9' }), { citizen_id: id }),
        ),
      ]);
    });

    it('keeps sending the records really in reach when the same change comes again, past those out of reach on their own keys', async () => {
      for (let round = 0; round < 3; round++) await reexamine([{ citizenId: changed, trigger: 'CORRECTED' }]);
      expect((await rowsOf([changed])).map((r) => r.sent)).toEqual([2, 2, 2]);
    });
  });

  describe('links of citizens the transaction has not locked', () => {
    const lan = (id: string) => person('Kim', 'Thị', 'Lan', '1994-06-06', id);
    const namesakes = ['079194000601', '079194000602'];
    const changed = '079194000611';
    const stamped = () =>
      query<{ citizen_id: string; stamped: boolean }>(
        "select citizen_id, reexamined_at is not null as stamped from record_links where citizen_id = any($1::text[]) and source = 'vaccination' order by citizen_id",
        [namesakes],
      );

    beforeAll(async () => {
      await apply([...namesakes, changed].map((id) => birthOf(lan(id))));
      await apply(namesakes.map((id) => decision('LINK', vaccinationOf(lan(id)), { citizen_id: id })));
    });

    it('stamps the re-examination on the links it can lock at once, and waits for none another transaction holds', async () => {
      // Another transaction (a chunk changing the first namesake) holds that namesake's links until it commits.
      const holder = await database.pool.connect();
      try {
        await holder.query('begin');
        await holder.query('select 1 from record_links where citizen_id = $1 for update', [namesakes[0]]);
        await inTransaction(database.pool, async (client) => {
          await client.query(`set local lock_timeout = '3s'`);
          const [citizen] = (await loadCitizens(client, [changed])).citizens;
          await reexamineAfterChanges(client, context, [{ citizenId: changed, trigger: 'CORRECTED', row: citizen!.row }]);
        });
        await holder.query('commit');
      } catch (error) {
        await holder.query('rollback');
        throw error;
      } finally {
        holder.release();
      }
      expect(await stamped()).toEqual([
        { citizen_id: namesakes[0], stamped: false },
        { citizen_id: namesakes[1], stamped: true },
      ]);
      expect((await rowsOf([changed])).map((r) => r.sent)).toEqual([2]);
    });
  });

  describe('the stewards’ changes of the register', () => {
    const steward = (caseId: number, action: StewardDecision['action'], citizenId: string | null, undoes: string | null = null) => {
      stewardSequence += 1;
      const stewardDecision: StewardDecision = {
        decision_id: `steward-${stewardSequence}`,
        case_id: caseId,
        action,
        citizen_id: citizenId,
        other_citizen_id: null,
        undoes,
        actor: 'steward.test',
        comment: 'checked against the paper register',
        decided_at: Date.now() + stewardSequence,
      };
      return inTransaction(database.pool, (client) => applyStewardDecision(client, stewardDecision, context)).then(() => stewardDecision.decision_id);
    };

    it('re-examines the records in reach of a merged citizen when the merge is undone', async () => {
      const survivor = person('Lò', 'Văn', 'Pành', '1977-03-03', '011077000301');
      const merged = person('Lò', 'Thị', 'Xuân', '1981-08-08', '011081000802');
      await apply([birthOf(survivor), birthOf(merged)]);
      await apply([decision('UNLINKED', vaccinationOf(merged), { reason: 'BELOW_THRESHOLD', candidates: [{ citizen_id: '011081000802', score: 0.4 }] })]);
      const merge = await mergeCitizens(database.pool, context, '011077000301', '011081000802', 'steward:test', 'registered twice, it seemed');
      await undoMerge(database.pool, context, merge.mergeId, 'steward:test', 'two people after all');
      expect((await rowsOf(['011081000802'])).map((r) => [r.trigger, r.sent])).toEqual([['UNMERGED', 1]]);
      const audited = await query(`select details->>'trigger' as trigger from audit_log where action = 'LINKS_REEXAMINED' and citizen_id = '011081000802'`);
      expect(audited).toEqual([{ trigger: 'UNMERGED' }]);
    });

    it('stamps the time their identity changed on a merge’s survivor, and on both citizens when the merge is undone', async () => {
      await apply([birthOf(person('Quàng', 'Văn', 'Ún', '1970-05-05', '011070000901')), birthOf(person('Quàng', 'Thị', 'Én', '1974-06-06', '011074000902'))]);
      const stamped = async () =>
        (
          await query<{ citizen_id: string; at: Date | null }>(
            `select citizen_id, identity_changed_at as at from citizens where citizen_id in ('011070000901', '011074000902') order by citizen_id`,
          )
        ).map((row) => row.at);
      expect(await stamped()).toEqual([null, null]);
      const merge = await mergeCitizens(database.pool, context, '011070000901', '011074000902', 'steward:test', 'registered twice, it seemed');
      const [afterMerge] = await stamped();
      expect(afterMerge).toBeInstanceOf(Date);
      await undoMerge(database.pool, context, merge.mergeId, 'steward:test', 'two people after all');
      const [survivor, restored] = await stamped();
      expect([survivor!.getTime() > afterMerge!.getTime(), restored instanceof Date]).toEqual([true, true]);
    });

    it('re-examines the records in reach of a citizen whose date of birth a steward’s unlink gives back', async () => {
      const registered = person('Vi', 'Văn', 'Thắng', '1965-02-02', '020065000202');
      await apply([birthOf(registered)]);
      // A vaccination of the man as registered waits; a correction of his date of birth goes to review and a steward links it.
      await apply([decision('UNLINKED', vaccinationOf(registered), { reason: 'BELOW_THRESHOLD', candidates: [{ citizen_id: '020065000202', score: 0.4 }] })]);
      const correction = observation({
        event_type: 'CIVIL_STATUS_CORRECTION',
        source_system: 'civil-test',
        person: { ...registered, date_of_birth: { value: '1972-09-09', precision: 'DAY' } },
      });
      const explanation = { prior: -8, comparisons: [], total: 0.9, runner_up_score: null, summary: 'The date of birth disagrees.' };
      await apply([decision('REVIEW', correction, { reason: 'AMBIGUOUS', explanation, candidates: [{ citizen_id: '020065000202', score: 0.9 }] })]);
      const [reviewCase] = await query<{ case_id: number }>('select case_id::int as case_id from review_cases where observation_id = $1', [
        correction.observation_id,
      ]);
      const linked = await steward(reviewCase!.case_id, 'LINK', '020065000202');
      expect(await query(`select date_of_birth from citizens where citizen_id = '020065000202'`)).toEqual([{ date_of_birth: '1972-09-09' }]);
      await steward(reviewCase!.case_id, 'UNDO', null, linked);
      expect(await query(`select date_of_birth from citizens where citizen_id = '020065000202'`)).toEqual([{ date_of_birth: '1965-02-02' }]);
      expect((await rowsOf(['020065000202'])).filter((r) => r.trigger === 'UNLINKED').map((r) => r.sent)).toEqual([1]);
    });
  });

  describe('the settings reach is computed with', () => {
    /** Two namesakes registered; the first's vaccination (without ID) linked to them: in reach of the second when only the name and birth decide. */
    const namesakes = async (namesake: (id: string) => ReturnType<typeof person>, [linked, other]: [string, string]) => {
      await apply([birthOf(namesake(linked)), birthOf(namesake(other))]);
      await apply([decision('LINK', vaccinationOf(namesake(linked)), { citizen_id: linked })]);
    };

    it('uses the register’s current settings version, not the store’s own file', async () => {
      await namesakes((id) => person('Mùa', 'Thị', 'Tuyết', '1999-12-12', id), ['014099001201', '014099001202']);
      // The current version blocks on the personal ID and one rule only: a namesake shares one key at most, so nothing is in reach.
      const narrow = {
        ...CONTEXT.settings,
        blocking_rules: CONTEXT.settings.blocking_rules.filter((r) => r.name === 'personal_id' || r.name === 'dob_family'),
      };
      await currentOrBootstrap(database.pool, narrow, 'test');
      await reexamine([{ citizenId: '014099001202', trigger: 'CORRECTED' }]);
      expect(await rowsOf(['014099001202'])).toEqual([]);
    });

    it('leaves out a rule of the current version the stored keys were built otherwise with, and counts it on the change’s row', async () => {
      await namesakes((id) => person('Giàng', 'Thị', 'Xuân', '1996-11-11', id), ['014096001101', '014096001102']);
      // A version whose dob_family blocks on the year of birth: the keys the store wrote under that name hold the whole date.
      const byYear: BlockingRule = { name: 'dob_family', equal: ['dob_year', 'family_group'], max_block_size: 50 };
      const redefined = { ...CONTEXT.settings, blocking_rules: CONTEXT.settings.blocking_rules.map((r) => (r.name === byYear.name ? byYear : r)) };
      const previous = await currentOrBootstrap(database.pool, CONTEXT.settings, 'test');
      await database.pool.query(`insert into linkage_settings_history (action, version, previous_version, actor) values ('PROMOTE', $1, $2, 'test')`, [
        await recordSettingsVersion(database.pool, redefined),
        previous,
      ]);
      await reexamine([{ citizenId: '014096001102', trigger: 'CORRECTED' }]);
      expect(await query('select sent, rules_not_indexed from register_reexaminations where citizen_id = $1', ['014096001102'])).toEqual([
        { sent: 1, rules_not_indexed: 1 },
      ]);
    });
  });
});
