import type { PersonObservation } from '../schemas/records.js';
import type { PoolClient } from '../store/db.js';
import { lockMergeCitizens } from '../store/merge-moves.js';
import type { PlanContext } from '../store/plan/loaded-state.js';
import { recordLock } from '../store/plan/classify.js';
import { recordKeysOf } from '../store/plan/record-keys.js';
import { lockKeys } from '../store/records-in-reach.js';

/**
 * The locks a steward's decision, or its undo, takes up front, in the order a chunk of the store
 * takes them (decision-load.ts): the case (findCase), the source record's own lock with the
 * blocking keys of a citizen it will create (one statement, as the store takes all its keys),
 * then every citizen it will edit, in one statement in id order (as the store locks a chunk's
 * citizens and a merge its two, merge-moves.ts). Taken as
 * the edits came, a move of a standing link (the citizen the record leaves, then the one it goes
 * to; its undo the other way round) or a new citizen made of one (the citizen left, then the new
 * one's keys) held one lock while it waited for another that a chunk held while waiting for the
 * first, until PostgreSQL broke the circle by aborting one of them.
 */

/** The citizens the decision will edit, in id order. */
export async function lockCitizensInOrder(client: PoolClient, ids: readonly (string | null | undefined)[]): Promise<void> {
  const named = [...new Set(ids.filter((id): id is string => typeof id === 'string' && id !== ''))];
  if (named.length > 0) await lockMergeCitizens(client, named);
}

/**
 * The source record's lock (classify.ts, recordLock), taken before the decision reads the record's
 * link, which a deletion of the record in a chunk of the store takes before it reads the link too:
 * so the deletion takes the record off the citizen the decision left it on, or the decision sees
 * the deletion. With it, `newCitizenOf`'s blocking keys, which a new citizen made of it locks when
 * applied (classify.ts: with the settings the store applies with; taken again then at once).
 */
export async function lockRecord(client: PoolClient, o: PersonObservation, context: PlanContext, newCitizenOf: PersonObservation | null): Promise<void> {
  const keys = newCitizenOf ? recordKeysOf(context.settings, newCitizenOf).map((k) => `${k.rule}:${k.key}`) : [];
  await lockKeys(client, [recordLock(o), ...keys]);
}
