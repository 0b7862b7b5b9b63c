/**
 * Values sampled over time (a transaction horizon, the outbox's last id), and the newest of them
 * that is at least `keptMs` old: a pruner deletes below it, so what it deletes was written at
 * least that long ago. Samples live in the process: one that restarts prunes again after `keptMs`.
 */
export class AgedSamples<T> {
  private readonly samples: { at: number; value: T }[] = [];

  constructor(
    private readonly keptMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  add(value: T): void {
    this.samples.push({ at: this.now(), value });
  }

  /** The newest sample at least `keptMs` old, taken out with every older one; null when none has aged since the last call. */
  takeAged(): T | null {
    let aged: T | null = null;
    while (this.samples.length > 0 && this.samples[0]!.at <= this.now() - this.keptMs) aged = this.samples.shift()!.value;
    return aged;
  }
}
