/**
 * A population load's COPY of citizens, as a stream the load writes its lines to. PostgreSQL may
 * refuse a row in the middle of it (a citizen_id twice in the file, or one the register holds):
 * pg-copy-streams then emits the error whether or not anyone listens, and its stream takes no
 * write after it (its connection is gone). So the refusal is kept here, and each later step
 * throws it instead of writing: the load fails with it, rolls back, and the process goes on.
 */

import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { CITIZENS } from './citizens-table.js';
import type { PoolClient } from './db.js';
import { writeLines } from '../utf8-lines.js';
import { LOADED_COLUMNS } from './population-rows.js';

const UNIQUE_VIOLATION = '23505';

export class CitizensCopy {
  private refusal: Error | null = null;
  private readonly stream: Writable;

  constructor(client: PoolClient) {
    this.stream = client.query(copyFrom(`copy citizens (${CITIZENS.list(LOADED_COLUMNS)}) from stdin with (format csv)`));
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

/**
 * A citizen_id PostgreSQL refused as a duplicate, as a load reports it: the row when every row
 * copied before it was good (the COPY's line n is then the file's row n + 1, the header row 1),
 * never the ID itself (its error's detail holds it). Null for any other error.
 */
export function duplicateCitizenProblem(error: unknown, rowsBeforeAllGood: boolean): string | null {
  const { code, constraint, where } = (error ?? {}) as { code?: string; constraint?: string; where?: string };
  if (code !== UNIQUE_VIOLATION || constraint !== 'citizens_pkey') return null;
  const line = /\bline (\d+)/.exec(where ?? '')?.[1];
  const row = rowsBeforeAllGood && line ? `row ${Number(line) + 1}` : 'a row';
  return `${row}: its citizen_id is in the file twice, or in the register already`;
}
