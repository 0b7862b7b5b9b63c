/**
 * A population load's two COPYs, of citizens and of their blocking keys, on the load's one
 * connection and in its one transaction, taking turns by segments: a segment's citizens as their
 * rows are normalised, then the same segment's keys, then the next segment's citizens. PostgreSQL
 * copies a segment's keys while Node normalises the rows after it. Before, the keys waited in a
 * scratch file until every citizen was copied: on a million citizens that was 4-7 s with Node
 * idle, and 418 MB on disk.
 *
 * The load adds batches in the file's order and waits only when the batches not yet copied pass
 * QUEUED_BYTES. A segment ends once its keys reach `segmentBytes`: memory stays about the two
 * together, whatever the file.
 */

import { CITIZENS } from './citizens-table.js';
import { CopyIn } from './copy-in.js';
import { duplicateProblem, refusedDuplicate } from './duplicate-rows.js';
import type { PoolClient } from './db.js';
import { LOADED_COLUMNS, type NormalisedBatch } from './population-rows.js';

/** A batch of rows as copied: its citizens' lines (COPY CSV), their keys' lines (COPY text), and how many citizens. */
type CopiedBatch = Pick<NormalisedBatch, 'citizenLines' | 'keyLines' | 'citizens'>;

/**
 * Key bytes a segment holds before its turn ends: some 35,000 citizens of nine keys. Each turn
 * costs a round trip or two, nothing beside the seconds a segment takes.
 */
const SEGMENT_BYTES = 16 << 20;
/** Batches given and not yet taken for a COPY: the load runs ahead of PostgreSQL by this much, and no further. */
const QUEUED_BYTES = 32 << 20;

/** The COPY of a segment's citizens; `frozen`: their rows written frozen, allowed into tables truncated in the load's transaction (empty-register-load.ts). */
const citizensStatement = (frozen: boolean) => `copy citizens (${CITIZENS.list(LOADED_COLUMNS)}) from stdin with (format csv${frozen ? ', freeze' : ''})`;
/** The keys go in COPY's text format: no quotes to write or read (population-rows.ts, copyTextField). */
const keysStatement = (frozen: boolean) => `copy citizen_blocking_keys (rule, key, citizen_id) from stdin${frozen ? ' with (freeze)' : ''}`;

export interface CopiesOptions {
  /** Key bytes a segment holds before its turn ends (SEGMENT_BYTES); tests take small turns to have many. */
  segmentBytes?: number | undefined;
  /** Both tables were truncated in this transaction: the COPYs write their rows frozen. */
  frozen?: boolean;
}

const bytesOf = (batch: CopiedBatch) => batch.citizenLines.length + batch.keyLines.length;

export class PopulationCopies {
  private readonly queue: CopiedBatch[] = [];
  private queuedBytes = 0;
  private ended = false;
  private stopped: Error | null = null;
  private failure: { error: unknown } | null = null;
  private active: CopyIn | null = null;
  private waiting: (() => void)[] = [];
  private copiedCitizens = 0;
  private turnsTaken = 0;
  private readonly copying: Promise<void>;

  private readonly segmentBytes: number;
  private readonly citizensStatement: string;
  private readonly keysStatement: string;

  constructor(
    private readonly client: PoolClient,
    options: CopiesOptions = {},
  ) {
    this.segmentBytes = options.segmentBytes ?? SEGMENT_BYTES;
    this.citizensStatement = citizensStatement(options.frozen ?? false);
    this.keysStatement = keysStatement(options.frozen ?? false);
    this.copying = this.takeTurns();
    // Seen by the load at its next add or at the end; never an unhandled rejection meanwhile.
    this.copying.catch((error: unknown) => {
      this.failure = { error };
      this.wake();
    });
  }

  /** Turns taken so far, each a segment's citizens and then its keys. */
  get turns(): number {
    return this.turnsTaken;
  }

  /** Citizens copied in the segments before the current one: a refused line of the current one is its line within it. */
  get citizensBeforeSegment(): number {
    return this.copiedCitizens;
  }

  /** Adds a batch (the file's batches in order); waits while too much is waiting to be copied, and throws what stopped the copies. */
  async add(batch: CopiedBatch): Promise<void> {
    this.throwIfFailed();
    this.queue.push(batch);
    this.queuedBytes += bytesOf(batch);
    this.wake();
    while (this.queuedBytes > QUEUED_BYTES) {
      await this.change();
      this.throwIfFailed();
    }
  }

  /** Copies what is left and ends both COPYs. */
  async end(): Promise<void> {
    this.ended = true;
    this.wake();
    await this.copying;
  }

  /** Stops copying: a COPY under way ends with CopyFail, and the connection is free for the rollback once this returns. */
  async abandon(cause: Error): Promise<void> {
    this.stopped = cause;
    this.wake();
    await this.active?.abandon(cause);
    await this.copying.catch(() => undefined);
  }

  private async takeTurns(): Promise<void> {
    try {
      let batch = await this.next();
      while (batch !== null) {
        const keys: Uint8Array[] = [];
        let keyBytes = 0;
        let citizens = 0;
        const citizensCopy = this.open(this.citizensStatement);
        while (batch !== null) {
          await citizensCopy.write(batch.citizenLines);
          keys.push(batch.keyLines);
          keyBytes += batch.keyLines.length;
          citizens += batch.citizens;
          batch = keyBytes < this.segmentBytes ? await this.next() : null;
        }
        await citizensCopy.end();
        this.copiedCitizens += citizens;
        // A load abandoned meanwhile rolls back: its segment's keys are not worth copying.
        if (this.stopped) throw this.stopped;
        const keysCopy = this.open(this.keysStatement);
        for (const lines of keys) await keysCopy.write(lines);
        await keysCopy.end();
        this.active = null;
        this.turnsTaken += 1;
        batch = await this.next();
      }
    } catch (error) {
      await this.active?.abandon(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  }

  private open(statement: string): CopyIn {
    this.active = new CopyIn(this.client, statement);
    return this.active;
  }

  /** The next batch to copy, waiting for the load to give one; null once it has ended and every batch is taken. */
  private async next(): Promise<CopiedBatch | null> {
    for (;;) {
      if (this.stopped) throw this.stopped;
      const batch = this.queue.shift();
      if (batch) {
        this.queuedBytes -= bytesOf(batch);
        this.wake();
        return batch;
      }
      if (this.ended) return null;
      await this.change();
    }
  }

  private change(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}

/**
 * A citizen_id or personal_id a COPY refused as a duplicate, as a load reports it: by its row when
 * every row before it was good (`citizensBefore`, the citizens copied in earlier segments, is then
 * given; the COPY's line n is the segment's nth citizen, the file's row citizensBefore + n + 1
 * with the header row 1), never the ID itself (its error's detail holds it). Null for any other
 * error, and for a duplicate refused when a constraint was rebuilt after the COPY (duplicate-rows.ts).
 */
export function duplicateCitizenProblem(error: unknown, citizensBefore: number | null): string | null {
  const refused = refusedDuplicate(error);
  if (refused === null || refused.line === null) return null;
  return duplicateProblem(citizensBefore === null ? 'a row' : `row ${citizensBefore + refused.line + 1}`, refused.column);
}
