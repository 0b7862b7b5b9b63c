import { decodeEach, present } from '../shared/kafka/decode-each.js';
import type { Outcome, Stage, StageMessage } from '../shared/kafka/stage-runner.js';
import type { LinkageSettings } from '../shared/linkage/settings.js';
import type { LinkDecision } from '../shared/schemas/records.js';
import type { StageContext } from '../shared/service/stage-service.js';
import { applyDecision } from '../shared/store/apply-decisions.js';
import { inTransaction, type Pool } from '../shared/store/db.js';

/**
 * Store: apply each decision to the register in one PostgreSQL transaction per chunk (citizen,
 * provenance, audit and outbox rows together). The chunk is done only once that commit returns.
 */
export function createStoreStage(context: StageContext, pool: Pool, settings: LinkageSettings, afterCommit: () => void, now: () => Date = () => new Date()): Stage {
  const { registry, topics } = context;
  return {
    name: 'store',
    async process(messages: StageMessage[]): Promise<Outcome[]> {
      const { results, outcomes } = await decodeEach<LinkDecision>(registry, messages);
      const decisions = present(results);
      if (decisions.length > 0) {
        await inTransaction(pool, async (client) => {
          for (const decision of decisions) await applyDecision(client, decision, settings, topics, now());
        });
        afterCommit();
      }
      return outcomes;
    },
  };
}
