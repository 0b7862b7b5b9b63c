import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { normaliseName } from '../../services/shared/normalise/name.js';
import type { LinkDecision, PersonObservation } from '../../services/shared/schemas/records.js';
import { topicsFor } from '../../services/shared/schemas/topics.js';
import { applyDecisions, type WriterContext } from '../../services/shared/store/apply-decisions.js';
import { recordLockKeys } from '../../services/shared/store/plan/record-keys.js';
import { currentOrBootstrap } from '../../services/shared/store/settings-versions.js';
import { CONTEXT, decision, observation } from '../fixtures/link-decisions.js';
import { IsolatedDatabase } from '../helpers/isolated-run.js';
import { openChunks } from '../helpers/open-chunks.js';

/**
 * A correction of a citizen's identity and a record kept waiting for the person as corrected,
 * applied at once on two connections (plan/reexamination.ts, changedIdentityLocks): the
 * correction's chunk holds the citizen's new keys exclusively, the waiting record's holds them
 * shared, so the second applied sees the first and the record goes back to the linker either way.
 * Against PostgreSQL without the services; invented men of one commune, each registered with a
 * wrong date of birth that civil status then corrects.
 */
describe('a correction of identity and a record waiting for the person as corrected see each other', () => {
  const database = new IsolatedDatabase('identity-change-locks');
  const settings = loadSettings();
  const context: WriterContext = { ...CONTEXT, settings, topics: topicsFor('identity-change-locks') };
  const chunks = openChunks(database.url, () => database.pool, context);
  let people = 0;

  /** Applies a chunk in a transaction of its own, committed. */
  const appliedAlone = async (decisions: LinkDecision[]) => {
    const client = await database.pool.connect();
    try {
      await client.query('begin');
      const results = await applyDecisions(client, decisions, context);
      await client.query('commit');
      return results;
    } finally {
      client.release();
    }
  };

  /**
   * A man registered by civil status with a wrong date of birth (committed), civil status's
   * correction of it, and his vaccination without an ID and with the right date, which the linker
   * decided while the correction was not yet committed: it had him among its candidates, as he was.
   */
  const registeredMan = async () => {
    people += 1;
    // A given name and birth years of his own: no man shares a key with another, before or after his correction.
    const given = ['Tuấn', 'Dũng', 'Hải', 'Long', 'Khánh', 'Thắng', 'Quý', 'Bình'][people % 8]!;
    const person = {
      personal_id: `0140759${String(30_000 + people).padStart(5, '0')}`,
      ...normaliseName(`Cầm Văn ${given}`)!,
      date_of_birth: { value: `${1950 + people}-11-03`, precision: 'DAY' as const },
      sex: 'MALE' as const,
      address: `Số ${people} bản Nà Sài, xã Chiềng Pấc, Sơn La`,
    };
    const corrected = { ...person, date_of_birth: { value: `${1970 + people}-04-12`, precision: 'DAY' as const } };
    const birth = observation({ person });
    expect(await appliedAlone([decision('NEW', birth)])).toEqual(['CITIZEN_CREATED']);
    const correction = decision('LINK', observation({ event_type: 'CIVIL_STATUS_CORRECTION', person: corrected }), { citizen_id: person.personal_id });
    return { person, correction, ...waitingVaccination(corrected, person.personal_id) };
  };

  /**
   * A vaccination of this person without an ID, which the linker kept waiting with the citizen
   * `candidate` below its threshold, decided at `decidedAt` (now, by the linker's clock, as the
   * store compares it with the time a correction is stamped with).
   */
  const waitingVaccination = (person: Partial<PersonObservation['person']>, candidate: string, decidedAt = Date.now()) => {
    const vaccination = observation({
      source: 'vaccination',
      source_system: 'vaccination-test',
      event_type: 'VACCINATION',
      person: { ...person, personal_id: null },
    });
    return {
      vaccination,
      waits: decision('UNLINKED', vaccination, { reason: 'BELOW_THRESHOLD', candidates: [{ citizen_id: candidate, score: -4.2 }], decided_at: decidedAt }),
    };
  };

  /** The keys of the corrected man the correction's chunk locks: those of its own record, which names him as corrected. */
  const correctedKeys = (correction: LinkDecision) => recordLockKeys(settings, correction.observation);

  /** The store's re-examination of the corrected man sent the vaccination back, or the chunk keeping it did. */
  const sentBy = async (o: PersonObservation) => {
    const { rows } = await database.pool.query<{ rule: string }>(
      `select coalesce(s.reexamination_id::text, 'store') as rule from outbox o left join settings_relinks s on s.observation_id = o.payload->>'observation_id'
        where o.record_type = 'personObservation' and o.payload->>'observation_id' = $1`,
      [o.observation_id],
    );
    return rows.map((row) => (row.rule === 'store' ? 'kept-in-reach' : 'reexamination'));
  };

  beforeAll(async () => {
    await database.setUp();
    await currentOrBootstrap(database.pool, settings, 'test');
  });

  afterAll(async () => {
    await database.cleanUp();
  });

  it('holds the corrected citizen’s new keys exclusively until the correction commits', async () => {
    const { correction } = await registeredMan();
    const chunk = await chunks.open();
    try {
      expect(await chunk.apply([correction])).toEqual(['CITIZEN_UPDATED']);
      expect((await chunks.keyLocksOf(chunk.pid, correctedKeys(correction))).map((lock) => lock.mode)).toEqual(['ExclusiveLock']);
    } finally {
      await chunk.end('rollback');
    }
  });

  it('keeps the vaccination waiting after the uncommitted correction, and then sends it back to the linker', async () => {
    const { correction, vaccination, waits } = await registeredMan();
    const first = await chunks.open();
    try {
      expect(await first.apply([correction])).toEqual(['CITIZEN_UPDATED']);
      expect(await chunks.appliedAfter(first, [waits], recordLockKeys(settings, vaccination))).toEqual(['unlinked']);
    } finally {
      await first.end('rollback');
    }
    expect(await sentBy(vaccination)).toEqual(['kept-in-reach']);
  });

  it('corrects the man after the uncommitted chunk keeping his vaccination waiting, and then sends it back to the linker', async () => {
    const { correction, vaccination, waits } = await registeredMan();
    const first = await chunks.open();
    try {
      expect(await first.apply([waits])).toEqual(['unlinked']);
      expect(await chunks.appliedAfter(first, [correction], correctedKeys(correction))).toEqual(['CITIZEN_UPDATED']);
    } finally {
      await first.end('rollback');
    }
    expect(await sentBy(vaccination)).toEqual(['reexamination']);
  });

  it('keeps a vaccination waiting when the linker decided it after the correction committed, the man as corrected among its candidates', async () => {
    const { person, correction } = await registeredMan();
    expect(await appliedAlone([correction])).toEqual(['CITIZEN_UPDATED']);
    // The first millisecond after the correction's stamp (microseconds): Date.now() can still be in the stamp's own millisecond.
    const { rows } = await database.pool.query<{ after: number }>(
      'select floor(extract(epoch from identity_changed_at) * 1000)::float8 + 1 as after from citizens where citizen_id = $1',
      [person.personal_id],
    );
    const { vaccination, waits } = waitingVaccination(correction.observation.person, person.personal_id, Math.max(Date.now(), rows[0]!.after));
    expect(await appliedAlone([waits])).toEqual(['unlinked']);
    expect(await sentBy(vaccination)).toEqual([]);
  });

  it('keeps a vaccination waiting when the man it had among its candidates was registered since, not corrected', async () => {
    const { person } = await registeredMan();
    const { vaccination: asRegistered, waits } = waitingVaccination(person, person.personal_id);
    expect(await appliedAlone([waits])).toEqual(['unlinked']);
    expect(await sentBy(asRegistered)).toEqual([]);
  });
});
