import { SeededRandom } from '../random.js';

/**
 * A uniform sample of at most `limit` items from a stream of unknown length (reservoir
 * sampling), kept in the stream's order. With no more items than the limit it is all of them.
 */
export class RecordSample<T> {
  private readonly kept: { at: number; item: T }[] = [];
  private readonly random: SeededRandom;
  private offered = 0;

  constructor(
    readonly limit: number,
    seed: number,
  ) {
    this.random = new SeededRandom(seed);
  }

  offer(item: T): void {
    const at = this.offered;
    this.offered += 1;
    if (this.kept.length < this.limit) {
      this.kept.push({ at, item });
      return;
    }
    const slot = Math.floor(this.random.next() * this.offered);
    if (slot < this.limit) this.kept[slot] = { at, item };
  }

  /** How many items were offered. */
  get seen(): number {
    return this.offered;
  }

  items(): T[] {
    return [...this.kept].sort((a, b) => a.at - b.at).map((entry) => entry.item);
  }
}
