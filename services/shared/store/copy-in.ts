/**
 * One COPY … FROM STDIN as a stream the caller writes lines to. PostgreSQL may refuse a row in the
 * middle of it (a citizen_id twice in a population file, or one the register holds):
 * pg-copy-streams then emits the error whether or not anyone listens, and its stream takes no
 * write after it (its connection is gone). So the refusal is kept here, and each later step
 * throws it instead of writing: the caller fails with it, rolls back, and the process goes on.
 */

import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { PoolClient } from './db.js';
import { writeLines } from '../utf8-lines.js';

export class CopyIn {
  private refusal: Error | null = null;
  private readonly stream: Writable;

  constructor(client: PoolClient, statement: string) {
    this.stream = client.query(copyFrom(statement));
    this.stream.on('error', (error: Error) => {
      this.refusal ??= error;
    });
  }

  /** Writes lines (UTF-8), waiting when the stream's buffer is full. */
  async write(lines: Uint8Array): Promise<void> {
    this.throwIfRefused();
    await writeLines(this.stream, lines);
  }

  async end(): Promise<void> {
    this.throwIfRefused();
    this.stream.end();
    await finished(this.stream);
  }

  /** Ends the COPY with CopyFail, so the connection serves the rollback; PostgreSQL ended one it refused already. */
  async abandon(cause: Error): Promise<void> {
    if (this.refusal) return;
    this.stream.destroy(cause);
    await finished(this.stream).catch(() => undefined);
  }

  private throwIfRefused(): void {
    if (this.refusal) throw this.refusal;
  }
}
