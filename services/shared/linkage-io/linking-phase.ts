import type { CandidateTally } from '../linkage/candidate-tally.js';
import type { CompactRegister } from '../linkage/compact-register.js';
import type { InMemoryCandidateSource } from '../linkage/in-memory-candidates.js';
import type { WorkOutPairs } from '../linkage/estimate.js';
import type { LinkageSettings } from '../linkage/settings.js';
import type { EngineDecision } from '../linkage/engine.js';
import type { DecisionKind } from '../schemas/records.js';
import type { RecordRow, UnreadableFields } from './csv-io.js';

/* link-csv's linking phase, as its two ways of running it (on this thread, link-csv.ts; on worker threads, link-on-threads.ts) share it. */

/** Records decided at a time: enough to amortise the candidate lookups, few enough to keep memory flat. */
export const LINK_CHUNK = 1000;

export type DecisionCounts = Record<DecisionKind, number>;

/** No decision of any kind yet. */
export function noDecisions(): DecisionCounts {
  return { LINK: 0, REVIEW: 0, NEW: 0, UNLINKED: 0 };
}

/** Counts decisions by kind: those of a chunk decided here. */
export function countDecisions(counts: DecisionCounts, decided: readonly EngineDecision[]): void {
  for (const decision of decided) counts[decision.decision] += 1;
}

/** Adds the counts a linking thread sent for a chunk. */
export function addDecisionCounts(counts: DecisionCounts, more: DecisionCounts): void {
  for (const kind of Object.keys(counts) as DecisionKind[]) counts[kind] += more[kind];
}

/** What linking gives back, on one thread or several. */
export interface Linked {
  records: number;
  decisions: DecisionCounts;
  tally: CandidateTally;
  /** Records linked without a date of birth or sex they hold that cannot be read. */
  unreadable: UnreadableFields;
}

/** The register and its index, as read. */
export interface Held {
  register: CompactRegister;
  index: InMemoryCandidateSource;
}

/**
 * Where the estimation's pairs are worked out: on this thread, over the register and index as
 * read; or on the linking threads, which hold the register, a share each.
 */
export type PairsOn = { here: Held } | { threads: (rows: RecordRow[]) => WorkOutPairs; ways: number };

/** The linking phase's inputs: the register and its index as read, the settings, and whether to estimate them first. */
export interface Prepared {
  settings: LinkageSettings;
  /**
   * Estimates m, u and the prior before linking (link-csv's default), where `on` says, and gives
   * the settings to link with; null: link with `settings` as they are.
   */
  estimate: ((on: PairsOn) => Promise<LinkageSettings>) | null;
  /** The day records' ages are counted to (age-prior.ts). */
  asOf: string | null;
  out: string;
  records: string;
  /** Told the number of records linked so far after each chunk. */
  linked: (records: number) => void;
  /** The register and its index, handed over once: linking on threads lets go of this thread's copy of the strings. */
  take: () => Held;
}
