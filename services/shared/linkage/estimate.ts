import { SeededRandom } from '../random.js';
import { blockedPairs, inMemoryLinkage, sessionPairs } from './batch-linkage.js';
import type { MatchRecord } from './match-record.js';
import type { LinkageSettings } from './settings.js';
import { train, type TrainingReport } from './training.js';

/** m, u and the prior for these settings, estimated from a register and records without labels. */
export function estimateParameters(
  settings: LinkageSettings,
  register: readonly MatchRecord[],
  records: readonly MatchRecord[],
  seed = 1,
): { settings: LinkageSettings; report: TrainingReport } {
  const { source } = inMemoryLinkage(settings, register);
  return train(settings, records, register, blockedPairs(source, records), sessionPairs(settings, records, register), new SeededRandom(seed));
}
