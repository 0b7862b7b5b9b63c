import type { LinkExplanation } from '../schemas/records.js';

/** One side of a shadow comparison: what a settings version decides for a record. */
export interface ShadowSide {
  decision: string;
  citizenId: string | null;
  score: number;
  reason: string;
  explanation: LinkExplanation | null;
}

export interface ShadowExample {
  recordId: string;
  source: string;
  current: ShadowSide;
  candidate: ShadowSide;
}

export interface ShadowChange {
  /** `LINK → REVIEW`, or `LINK → LINK (another citizen)` when only the linked citizen differs. */
  transition: string;
  count: number;
  examples: ShadowExample[];
}

export interface ShadowSummary {
  compared: number;
  /** Records a steward's must-link decides whatever the settings: not scored. */
  keptByStewards: number;
  changed: number;
  changes: ShadowChange[];
  /** Decisions that stay as they are, by kind. */
  unchanged: Record<string, number>;
}

/** The change from the current settings' decision to the candidate's, or null when they agree. */
export function transitionOf(current: Pick<ShadowSide, 'decision' | 'citizenId'>, candidate: Pick<ShadowSide, 'decision' | 'citizenId'>): string | null {
  if (current.decision !== candidate.decision) return `${current.decision} → ${candidate.decision}`;
  if (current.decision === 'LINK' && current.citizenId !== candidate.citizenId) return 'LINK → LINK (another citizen)';
  return null;
}

/**
 * Counts what a settings change would do to decisions, record by record: every change by its
 * transition, with the first few examples of each (both sides, each explained by its own
 * settings), and what stays. Pure: the shadow run feeds it; nothing is written anywhere.
 */
export class ShadowTally {
  private compared = 0;
  private keptByStewards = 0;
  private readonly changes = new Map<string, ShadowChange>();
  private readonly unchanged = new Map<string, number>();

  constructor(private readonly examplesPerChange: number) {}

  keptBySteward(): void {
    this.compared += 1;
    this.keptByStewards += 1;
  }

  /** Adds one record; `explain` is called only for the examples kept, so explanations cost nothing for the rest. */
  add(recordId: string, source: string, current: ShadowSide, candidate: ShadowSide, explain?: () => Pick<ShadowExample, 'current' | 'candidate'>): void {
    this.compared += 1;
    const transition = transitionOf(current, candidate);
    if (transition === null) {
      this.unchanged.set(current.decision, (this.unchanged.get(current.decision) ?? 0) + 1);
      return;
    }
    const change = this.changes.get(transition) ?? { transition, count: 0, examples: [] };
    change.count += 1;
    if (change.examples.length < this.examplesPerChange) change.examples.push({ recordId, source, ...(explain ? explain() : { current, candidate }) });
    this.changes.set(transition, change);
  }

  /** Changes most frequent first (ties by name, so the report reads the same every time). */
  summary(): ShadowSummary {
    const changes = [...this.changes.values()].sort((a, b) => b.count - a.count || a.transition.localeCompare(b.transition));
    return {
      compared: this.compared,
      keptByStewards: this.keptByStewards,
      changed: changes.reduce((sum, change) => sum + change.count, 0),
      changes,
      unchanged: Object.fromEntries([...this.unchanged.entries()].sort(([a], [b]) => a.localeCompare(b))),
    };
  }
}
