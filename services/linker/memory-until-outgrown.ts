import type { CandidateSource } from '../shared/linkage/candidate-source.js';
import type { MatchRecord } from '../shared/linkage/match-record.js';
import { isRegisterOutgrown, type LiveRegister } from '../shared/linkage-io/live-register.js';

/**
 * Candidates from the copy in memory until the register outgrows the bound `auto` held it under
 * (a read afresh stops at REGISTER_OUTGREW_MEMORY), then from PostgreSQL for good. Both answer
 * alike (live-register.ts), so the batch whose read stopped is answered from PostgreSQL and the
 * linker goes on; batches asked for at once switch once.
 */
export class MemoryUntilOutgrown implements CandidateSource {
  private fallback: CandidateSource | null = null;
  /** Generic lookups the copy counted before the switch: a meter's total never goes back. */
  private countedInMemory = new Map<string, number>();

  constructor(
    private readonly live: Pick<LiveRegister, 'candidatesFor' | 'genericLookups' | 'close'>,
    private readonly postgres: () => CandidateSource,
    private readonly onOutgrown: (error: unknown) => void,
  ) {}

  async candidatesFor(records: readonly MatchRecord[]): Promise<MatchRecord[][]> {
    if (this.fallback === null) {
      try {
        return await this.live.candidatesFor(records);
      } catch (error) {
        if (!isRegisterOutgrown(error)) throw error;
        this.switchToPostgres(error);
      }
    }
    return this.fallback!.candidatesFor(records);
  }

  genericLookups(): Map<string, number> {
    if (this.fallback === null) return this.live.genericLookups();
    const counts = new Map(this.countedInMemory);
    for (const [rule, n] of this.fallback.genericLookups?.() ?? []) counts.set(rule, (counts.get(rule) ?? 0) + n);
    return counts;
  }

  private switchToPostgres(error: unknown): void {
    if (this.fallback !== null) return;
    this.countedInMemory = this.live.genericLookups();
    this.live.close();
    this.fallback = this.postgres();
    this.onOutgrown(error);
  }
}
