import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import type { LinkDecision, PersonObservation } from '../../services/shared/schemas/records.js';
import { topicsFor } from '../../services/shared/schemas/topics.js';
import type { ApplyResult, WriterContext } from '../../services/shared/store/apply-decisions.js';
import { recordLockKeys } from '../../services/shared/store/plan/record-keys.js';
import { currentOrBootstrap } from '../../services/shared/store/settings-versions.js';
import { CONTEXT, decision, observation } from '../fixtures/link-decisions.js';
import { IsolatedDatabase } from '../helpers/isolated-run.js';
import { openChunks, type OpenChunk } from '../helpers/open-chunks.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * The blocking keys' locks a chunk of the store takes (records-in-reach.ts, takeKeyLocks): a record
 * that may register a citizen takes them exclusively, one that may only wait for a citizen takes
 * them shared. Two chunks applied at once on two connections, against PostgreSQL without the
 * services; invented newborns of one ward.
 */
describe("the store's key locks: a birth and a record waiting for its person see each other, two waiting records do not wait", () => {
  const database = new IsolatedDatabase('key-lock-modes');
  const settings = loadSettings();
  const context: WriterContext = { ...CONTEXT, settings, topics: topicsFor('key-lock-modes') };
  let people = 0;

  /** A newborn of the ward: her birth registration (with her new ID) and an ID-less vaccination of her, which waits for her. */
  const newborn = () => {
    people += 1;
    const given = ['Lan', 'Hoa', 'Mai', 'Cúc'][people % 4]!;
    const person = {
      personal_id: `0013260${String(70_000 + people).padStart(5, '0')}`,
      full_name: `Phạm Thị ${given}`,
      name_key: `pham thi ${given.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()}`,
      family_name: 'Phạm',
      middle_name: 'Thị',
      given_name: given,
      date_of_birth: { value: `2026-02-${String(people).padStart(2, '0')}`, precision: 'DAY' as const },
      sex: 'FEMALE' as const,
      address: `Số ${people} phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội`,
    };
    const birth = observation({ person });
    const vaccination = observation({
      source: 'vaccination',
      source_system: 'vaccination-test',
      event_type: 'VACCINATION',
      person: { ...person, personal_id: null },
    });
    return { birth, vaccination };
  };
  const waits = (o: PersonObservation): LinkDecision => decision('UNLINKED', o, { reason: 'NO_MATCH' });

  const chunks = openChunks(database.url, () => database.pool, context);
  const { keyLocksOf, sentBack } = chunks;
  /** Whether the session `pid` waits for the lock of any of the observations' blocking keys. */
  const waitsForKeysOf = (pid: number, observations: readonly PersonObservation[]) =>
    chunks.waitsFor(
      pid,
      observations.flatMap((o) => recordLockKeys(settings, o)),
    );
  /** Applies a chunk on a connection of its own while `first` holds its locks; `first` commits once the chunk waits for one of its keys. */
  const appliedAfter = (first: OpenChunk, decisions: LinkDecision[]): Promise<ApplyResult[]> =>
    chunks.appliedAfter(
      first,
      decisions,
      decisions.flatMap((d) => recordLockKeys(settings, d.observation)),
    );

  beforeAll(async () => {
    await database.setUp();
    await currentOrBootstrap(database.pool, settings, 'test');
  });

  afterAll(async () => {
    await database.cleanUp();
  });

  it('takes the keys of a record that may only wait shared, and those of a birth exclusively', async () => {
    const { birth } = newborn();
    const { vaccination } = newborn();
    const chunk = await chunks.open();
    try {
      expect(await chunk.apply([decision('NEW', birth), waits(vaccination)])).toEqual(['CITIZEN_CREATED', 'unlinked']);
      const modes = async (o: PersonObservation) => (await keyLocksOf(chunk.pid, recordLockKeys(settings, o))).map((lock) => lock.mode);
      expect([await modes(birth), await modes(vaccination)]).toEqual([['ExclusiveLock'], ['ShareLock']]);
    } finally {
      await chunk.end('rollback');
    }
  });

  it('takes a key a birth and a waiting record of the same chunk share once, exclusively', async () => {
    const { birth, vaccination } = newborn();
    const chunk = await chunks.open();
    try {
      expect(await chunk.apply([decision('NEW', birth), waits(vaccination)])).toEqual(['CITIZEN_CREATED', 'unlinked']);
      expect((await keyLocksOf(chunk.pid, recordLockKeys(settings, vaccination))).map((lock) => lock.mode)).toEqual(['ExclusiveLock']);
    } finally {
      await chunk.end('rollback');
    }
  });

  it('applies two records waiting for the same newborn at once, neither waiting for the other', async () => {
    const { vaccination } = newborn();
    const again = observation({
      ...vaccination,
      observation_id: `${vaccination.observation_id}-dose-2`,
      source_record_id: `${vaccination.source_record_id}-2`,
    });
    const first = await chunks.open();
    const second = await chunks.open();
    let applying: Promise<unknown> = Promise.resolve();
    try {
      expect(await first.apply([waits(vaccination)])).toEqual(['unlinked']);
      // Holding shared locks on the same keys, the second chunk is applied while the first is still open: it never waits.
      let settled = false;
      applying = second.apply([waits(again)]).finally(() => (settled = true));
      await waitUntil(async () => settled || (await waitsForKeysOf(second.pid, [again])), Boolean, 20_000, 'the second chunk applied, or waiting');
      expect(settled).toBe(true);
      expect(await applying).toEqual(['unlinked']);
    } finally {
      await first.end('rollback');
      await applying.catch((error: unknown) => error);
      await second.end('rollback');
    }
  });

  it('applies a birth after the uncommitted chunk keeping its newborn’s vaccination waiting, and then sends the vaccination back', async () => {
    const { birth, vaccination } = newborn();
    const first = await chunks.open();
    try {
      expect(await first.apply([waits(vaccination)])).toEqual(['unlinked']);
      expect(await appliedAfter(first, [decision('NEW', birth)])).toEqual(['CITIZEN_CREATED']);
    } finally {
      await first.end('rollback');
    }
    expect(await sentBack(vaccination)).toBe(true);
  });

  it('keeps a vaccination waiting after the uncommitted chunk registering its newborn, and then sends it back', async () => {
    const { birth, vaccination } = newborn();
    const first = await chunks.open();
    try {
      expect(await first.apply([decision('NEW', birth)])).toEqual(['CITIZEN_CREATED']);
      expect(await appliedAfter(first, [waits(vaccination)])).toEqual(['unlinked']);
    } finally {
      await first.end('rollback');
    }
    expect(await sentBack(vaccination)).toBe(true);
  });
});
