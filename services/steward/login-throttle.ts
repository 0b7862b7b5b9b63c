/**
 * Failed sign-ins per source address, over a sliding minute. Only failures count: a steward who
 * signs in is no guesser, and an office of stewards behind one NAT address must not lock itself
 * out by signing in in the morning. Pure bookkeeping in memory (one steward process per port);
 * the clock is passed in, so it is unit-tested without waiting.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs = 60_000,
  ) {}

  /** Milliseconds until the address may try again, or 0 when it may try now. */
  retryAfterMs(address: string, now: number): number {
    const recent = this.recent(address, now);
    return recent.length < this.maxFailures ? 0 : recent[0]! + this.windowMs - now;
  }

  recordFailure(address: string, now: number): void {
    this.failures.set(address, [...this.recent(address, now), now]);
  }

  private recent(address: string, now: number): number[] {
    const kept = (this.failures.get(address) ?? []).filter((at) => at > now - this.windowMs);
    if (kept.length === 0) this.failures.delete(address);
    else this.failures.set(address, kept);
    return kept;
  }
}
