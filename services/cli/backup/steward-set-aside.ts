import type { Admin, Kafka } from 'kafkajs';
import type { SchemaRegistryClient } from '../../shared/kafka/registry.js';
import { readRanges } from '../../shared/kafka/topic-snapshot.js';
import { appliedStewardDecisionKey, decisionDetails } from '../../shared/review/steward-decisions.js';
import { TOPIC_BASE_NAMES } from '../../shared/schemas/topics.js';
import type { StewardDecision } from '../../shared/schemas/records.js';
import { STORE_CONSUMER } from '../../shared/store/apply-decisions.js';
import { appendAudit } from '../../shared/store/audit-log.js';
import { PROCESSED_EVENTS } from '../../shared/store/decision-tables.js';
import { inRetriedTransaction, type Pool } from '../../shared/store/db.js';
import type { PartitionExtent } from './group-offsets.js';
import type { PartitionOffset } from './manifest.js';

export const SET_ASIDE_ACTION = 'STEWARD_DECISION_SET_ASIDE';
const SET_ASIDE_REASON =
  'set aside by the restore: the decision names a review case opened after the backup, and replaying numbers such cases again, so its number may now be another case';

/**
 * The steward decisions to set aside: those naming a review case the copy does not have. A
 * case's number comes from a sequence; the cases opened after the backup are opened again by
 * the replay, in the order the replay meets their decisions, so a number a steward decided on
 * may now be another record's case, and a decision applied to it would link the wrong record. A
 * case the copy has keeps its number, so the decisions on it are replayed as they were.
 */
export function decisionsToSetAside(decisions: readonly StewardDecision[], casesInCopy: ReadonlySet<number>): StewardDecision[] {
  return decisions.filter((decision) => !casesInCopy.has(Number(decision.case_id)));
}

export function isStewardDecisionsTopic(topic: string): boolean {
  return topic.endsWith(TOPIC_BASE_NAMES.stewardDecisions);
}

/**
 * Reads the steward decisions the store is about to replay (from the backup's offsets to the
 * partitions' ends), and marks those to set aside as applied already in the restored register,
 * each with an audit entry saying why: the store then passes over them, their cases come back
 * open, and a steward decides them again. Returns them.
 */
export async function setAsideStewardDecisions(
  kafka: Kafka,
  admin: Admin,
  registry: SchemaRegistryClient,
  pool: Pool,
  offsets: readonly PartitionOffset[],
  extents: readonly PartitionExtent[],
): Promise<StewardDecision[]> {
  const ends = new Map(extents.map((p) => [`${p.topic}\u0000${p.partition}`, p]));
  const ranges = offsets
    .filter((o) => isStewardDecisionsTopic(o.topic))
    .map((o) => {
      const extent = ends.get(`${o.topic}\u0000${o.partition}`);
      return {
        topic: o.topic,
        partition: o.partition,
        from: BigInt(o.basis === 'earliest' ? (extent?.low ?? o.offset) : o.offset),
        to: BigInt(extent?.high ?? o.offset),
      };
    });
  const decisions: StewardDecision[] = [];
  for (const message of await readRanges(kafka, admin, ranges)) {
    // One that does not decode is the store's to dead-letter, as it would be without a restore.
    const decision = await registry.decode<StewardDecision>(message.value).catch(() => null);
    if (decision) decisions.push(decision);
  }
  if (decisions.length === 0) return [];
  const { rows } = await pool.query<{ case_id: number }>('select case_id::int as case_id from review_cases where case_id = any($1::bigint[])', [
    decisions.map((d) => d.case_id),
  ]);
  const setAside = decisionsToSetAside(decisions, new Set(rows.map((row) => row.case_id)));
  await inRetriedTransaction(pool, async (client) => {
    for (const decision of setAside) {
      await client.query(`insert into ${PROCESSED_EVENTS.name} (${PROCESSED_EVENTS.list()}) values ($1, $2) on conflict do nothing`, [
        STORE_CONSUMER,
        appliedStewardDecisionKey(decision.decision_id),
      ]);
      const citizens = [decision.citizen_id, decision.other_citizen_id].filter((id): id is string => id !== null);
      await appendAudit(client, 'operator:restore', SET_ASIDE_ACTION, citizens, {
        ...decisionDetails(decision),
        actor: decision.actor,
        reason: SET_ASIDE_REASON,
      });
    }
  });
  return setAside;
}
