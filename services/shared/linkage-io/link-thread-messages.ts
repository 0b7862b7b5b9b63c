import type { TallyState } from '../linkage/candidate-tally.js';
import type { SharedRegister } from '../linkage/compact-register.js';
import type { SharedIndexes } from '../linkage/in-memory-candidates.js';
import type { Feature } from '../linkage/match-record.js';
import type { LinkageSettings } from '../linkage/settings.js';
import type { DecisionKind } from '../schemas/records.js';
import type { RecordRow } from './csv-io.js';

/**
 * What link-csv's main thread and its linking threads (link-thread.ts) say to each other. A thread
 * is given the register and its indexes in shared memory, the settings as estimated and the term
 * frequencies; then chunks of records file rows, each answered with its decisions as D.csv lines;
 * at the end its tally of candidates.
 */
export interface LinkThreadSetup {
  settings: LinkageSettings;
  register: SharedRegister;
  indexes: SharedIndexes;
  frequencies: { total: number; counts: Map<Feature, Map<string, number>> };
  /** The day records' ages are counted to (age-prior.ts). */
  asOf: string | null;
}

export type ToLinkThread = { type: 'chunk'; chunk: number; rows: RecordRow[] } | { type: 'finish' };

export type FromLinkThread =
  | { type: 'ready' }
  | { type: 'decided'; chunk: number; lines: string; decisions: Record<DecisionKind, number> }
  | { type: 'tally'; state: TallyState }
  | { type: 'failed'; chunk: number | null; code: string; message: string };
