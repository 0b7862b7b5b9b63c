import type { CandidateSource, FirstLookup } from '../shared/linkage/candidate-source.js';
import type { MatchRecord } from '../shared/linkage/match-record.js';
import { isRegisterOutgrown, type LiveRegister } from '../shared/linkage-io/live-register.js';

/** What this needs of a LiveRegister (a test gives its own). */
export type CopyInMemory = Pick<LiveRegister, 'candidatesFor' | 'genericLookups' | 'catchUp' | 'close'>;

/**
 * Candidates from the copy in memory until the register outgrows the bound `auto` held it under
 * (a read of it fails with REGISTER_OUTGREW_MEMORY), then from PostgreSQL for good. Both answer
 * alike (live-register.ts), so the batch whose read failed is answered from PostgreSQL and the
 * linker goes on; batches asked for at once switch once, and the copy is let go.
 */
export class MemoryUntilOutgrown implements CandidateSource {
  private live: CopyInMemory | null;
  private fallback: CandidateSource | null = null;
  /** Generic lookups the copy counted before the switch: a meter's total never goes back. */
  private countedInMemory = new Map<string, number>();

  constructor(
    live: CopyInMemory,
    private readonly postgres: () => CandidateSource,
    private readonly onOutgrown: (error: unknown) => void,
  ) {
    this.live = live;
  }

  async candidatesFor(records: readonly MatchRecord[], firstLookup?: FirstLookup): Promise<MatchRecord[][]> {
    if (this.live !== null) {
      try {
        return await this.live.candidatesFor(records, firstLookup);
      } catch (error) {
        if (!isRegisterOutgrown(error)) throw error;
        this.switchToPostgres(error);
      }
    }
    return this.fallback!.candidatesFor(records, firstLookup);
  }

  /** Keeps the copy current while no batch asks (live-register.ts); an outgrown register switches here too. */
  async catchUp(): Promise<void> {
    try {
      await this.live?.catchUp();
    } catch (error) {
      if (!isRegisterOutgrown(error)) throw error;
      this.switchToPostgres(error);
    }
  }

  close(): void {
    this.live?.close();
  }

  genericLookups(): Map<string, number> {
    if (this.live !== null) return this.live.genericLookups();
    const counts = new Map(this.countedInMemory);
    for (const [rule, n] of this.fallback?.genericLookups?.() ?? []) counts.set(rule, (counts.get(rule) ?? 0) + n);
    return counts;
  }

  private switchToPostgres(error: unknown): void {
    if (this.live === null) return;
    this.countedInMemory = this.live.genericLookups();
    this.live.close();
    this.live = null;
    this.fallback = this.postgres();
    this.onOutgrown(error);
  }
}
