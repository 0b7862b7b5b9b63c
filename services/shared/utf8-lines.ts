/**
 * Text for a stream or a COPY, put together as UTF-8 bytes line by line. A batch built as one
 * string by `+=` is a rope of thousands of pieces, which the stream flattens and encodes whole when
 * it is written: loading a million citizens, Buffer.from spent 8.1 s of the 29.3 s Node was busy,
 * and the flat copies fed the collector. Encoding each line as it comes costs about a quarter of
 * that, and the bytes stay outside V8's heap (docs/BENCHMARKS.md, session 26).
 */

import { once } from 'node:events';
import type { Writable } from 'node:stream';

export class Utf8Lines {
  private buffer: Buffer;
  private length = 0;

  constructor(initialBytes = 1 << 16) {
    this.buffer = Buffer.allocUnsafeSlow(initialBytes);
  }

  /** Appends text (one line or more, as given: no separator is added). */
  add(text: string): void {
    // A UTF-16 code unit never takes more than 3 bytes of UTF-8 (a surrogate pair, two units, takes 4).
    const room = this.length + text.length * 3;
    if (room > this.buffer.length) this.grow(room);
    this.length += this.buffer.write(text, this.length);
  }

  /**
   * The bytes so far. Their ArrayBuffer is this builder's own (never Node's shared pool), so a
   * thread may transfer it instead of copying it; nothing may be added after.
   */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private grow(atLeast: number): void {
    const grown = Buffer.allocUnsafeSlow(Math.max(atLeast, this.buffer.length * 2));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

/** Writes lines' bytes to a stream, waiting when its buffer is full. */
export async function writeLines(stream: Writable, bytes: Uint8Array): Promise<void> {
  if (bytes.length > 0 && !stream.write(bytes)) await once(stream, 'drain');
}
