import { applyDecisions, type ApplyResult, type WriterContext } from '../../services/shared/store/apply-decisions.js';
import { createPool, type Pool } from '../../services/shared/store/db.js';
import type { LinkDecision, PersonObservation } from '../../services/shared/schemas/records.js';
import { keyLocks } from './advisory-locks.js';
import { waitUntil } from './wait.js';

/** A transaction on a connection of its own, left open until the test ends it (`end`, once), with its server process's id. */
export interface OpenChunk {
  pid: number;
  apply(decisions: LinkDecision[]): Promise<ApplyResult[]>;
  /** Commits or rolls back, once: a later call does nothing. */
  end(how: 'commit' | 'rollback'): Promise<void>;
}

/**
 * Chunks of the store applied at once on connections of their own, against PostgreSQL without the
 * services: to see which waits for which, by the advisory locks of its keys
 * (records-in-reach.ts, takeKeyLocks), and what each then did.
 */
export function openChunks(databaseUrl: string, observer: () => Pool, context: WriterContext) {
  const open = async (): Promise<OpenChunk> => {
    const own = createPool(databaseUrl, 1);
    const client = await own.connect().catch(async (error: unknown) => {
      await own.end();
      throw error;
    });
    await client.query('begin');
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    let ended = false;
    return {
      pid: rows[0]!.pid,
      apply: (decisions) => applyDecisions(client, decisions, context),
      end: async (how) => {
        if (ended) return;
        ended = true;
        await client.query(how);
        client.release();
        await own.end();
      },
    };
  };

  /** The locks on these keys the session `pid` holds (granted) or waits for, each mode and state once. */
  const keyLocksOf = async (pid: number, keys: readonly string[]) => {
    const mine = (await keyLocks(observer(), keys)).filter((lock) => lock.pid === pid);
    const states = new Map(mine.map((lock) => [`${lock.mode}/${lock.granted}`, { mode: lock.mode, granted: lock.granted }]));
    return [...states.values()].sort((a, b) => a.mode.localeCompare(b.mode) || Number(a.granted) - Number(b.granted));
  };

  /** Whether the session `pid` waits for the lock of any of these keys. */
  const waitsFor = async (pid: number, keys: readonly string[]) => (await keyLocksOf(pid, keys)).some((lock) => !lock.granted);

  /**
   * Applies a chunk on a connection of its own while `first` holds its locks; `first` commits
   * once the chunk waits for the lock of one of `keys`.
   */
  const appliedAfter = async (first: OpenChunk, decisions: LinkDecision[], keys: readonly string[]): Promise<ApplyResult[]> => {
    const second = await open();
    const applying = second.apply(decisions);
    // Awaited below, or after the failure that stopped the test: never left rejected unheard.
    applying.catch(() => undefined);
    try {
      await waitUntil(() => waitsFor(second.pid, keys), Boolean, 20_000, 'the second chunk waiting for a key lock');
      await first.end('commit');
      const results = await applying;
      await second.end('commit');
      return results;
    } catch (error) {
      // The first lets go first: the second's rollback waits behind its own lock request otherwise.
      await first.end('rollback');
      await applying.catch(() => undefined);
      await second.end('rollback');
      throw error;
    }
  };

  /** Whether the store sent the record back to the linker (an observation in the outbox for it). */
  const sentBack = async (o: PersonObservation) =>
    (
      await observer().query<{ n: number }>(
        "select count(*)::int as n from outbox where record_type = 'personObservation' and payload->>'observation_id' = $1",
        [o.observation_id],
      )
    ).rows[0]!.n > 0;

  return { open, keyLocksOf, waitsFor, appliedAfter, sentBack };
}
