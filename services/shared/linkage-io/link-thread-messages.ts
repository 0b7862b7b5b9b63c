import type { TallyState } from '../linkage/candidate-tally.js';
import type { SharedRegister } from '../linkage/compact-register.js';
import type { SharedIndexes } from '../linkage/in-memory-candidates.js';
import type { EstimationPairs, EstimationShare } from '../linkage/estimate.js';
import type { Feature } from '../linkage/match-record.js';
import type { LinkageSettings } from '../linkage/settings.js';
import type { DecisionKind } from '../schemas/records.js';
import type { RecordRow } from './csv-io.js';

/**
 * What link-csv's main thread and its linking threads (link-thread.ts) say to each other. A thread
 * is given the register and its indexes in shared memory, the settings and the term frequencies;
 * when the parameters are estimated, its share of the estimation's pairs to work out (with the
 * sample's rows), answered with their level vectors, then the settings as estimated; then chunks
 * of records file rows, each answered with its decisions as D.csv lines; at the end its tally of
 * candidates.
 */
export interface LinkThreadSetup {
  settings: LinkageSettings;
  register: SharedRegister;
  indexes: SharedIndexes;
  frequencies: { total: number; counts: Map<Feature, Map<string, number>> };
  /** The day records' ages are counted to (age-prior.ts). */
  asOf: string | null;
}

export type ToLinkThread =
  | { type: 'pairs'; request: number; rows: RecordRow[]; draws: Int32Array; share: EstimationShare }
  | { type: 'settings'; settings: LinkageSettings }
  | { type: 'chunk'; chunk: number; rows: RecordRow[] }
  | { type: 'finish' };

export type FromLinkThread =
  | { type: 'ready' }
  | { type: 'pairs'; request: number; pairs: EstimationPairs }
  | { type: 'decided'; chunk: number; lines: string; decisions: Record<DecisionKind, number> }
  | { type: 'tally'; state: TallyState }
  | { type: 'failed'; chunk: number | null; code: string; message: string };
