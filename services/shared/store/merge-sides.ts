import type { MergeSide } from '../register/merge-preview.js';
import type { CitizenRow } from '../register/citizen-row.js';
import { claimOfProvenance } from '../register/citizen-changes.js';
import type { RegisterField } from '../register/survivorship.js';
import { citizenRowColumns } from './citizens-table.js';
import type { Pool, PoolClient } from './db.js';

/** Two citizens as a merge would find them: current values and every claim on each field (read only; the merge itself locks). */
export async function mergeSides(db: Pool | PoolClient, survivorId: string, mergedId: string): Promise<[MergeSide, MergeSide] | null> {
  const { rows } = await db.query<
    CitizenRow & { claims: { field: RegisterField; value: string; source: string; event_time: number; observation_id: string }[] }
  >(
    `select ${citizenRowColumns('c')},
            coalesce((select json_agg(json_build_object('field', p.field, 'value', p.value, 'source', p.source,
                      'event_time', extract(epoch from p.event_time) * 1000, 'observation_id', p.observation_id))
                        from field_provenance p where p.citizen_id = c.citizen_id), '[]') as claims
       from citizens c where c.citizen_id = any($1::text[]) and c.status <> 'MERGED'`,
    [[survivorId, mergedId]],
  );
  const side = (id: string): MergeSide | null => {
    const found = rows.find((row) => row.citizen_id === id);
    if (!found) return null;
    const { claims, ...row } = found;
    return {
      row,
      claims: claims.map((c) => ({
        field: c.field,
        claim: claimOfProvenance(c),
      })),
    };
  };
  const [survivor, merged] = [side(survivorId), side(mergedId)];
  return survivor && merged ? [survivor, merged] : null;
}
