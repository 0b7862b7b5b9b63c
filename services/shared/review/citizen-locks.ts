import type { PoolClient } from '../store/db.js';
import { lockMergeCitizens } from '../store/merge-moves.js';

/**
 * The citizens a steward's decision, or its undo, will edit, locked up front in one statement in
 * id order, as the store locks a chunk's citizens (decision-load.ts) and a merge its two
 * (merge-moves.ts): after the case (the record's lock), before any citizen. A move of a standing
 * link edits two citizens one after the other (the one the record leaves, then the one it goes
 * to; its undo the other way round): locked as they came, a move or its undo and a chunk linking
 * records to both citizens each held one and waited for the other, until PostgreSQL broke the
 * circle by aborting one of them.
 */
export async function lockCitizensInOrder(client: PoolClient, ids: readonly (string | null | undefined)[]): Promise<void> {
  const named = [...new Set(ids.filter((id): id is string => typeof id === 'string' && id !== ''))];
  if (named.length > 0) await lockMergeCitizens(client, named);
}
