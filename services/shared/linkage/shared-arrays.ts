/**
 * Typed arrays made in shared memory, so worker threads read one copy of a register instead of a
 * copy each (link-csv links on every core; at ten million citizens the rows alone are 640 MB).
 * They are made there from the start: moving them there afterwards cost a second copy at the
 * moment memory is at its peak. Only one thread writes them, before any other reads.
 */

export function sharedInt32(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(length * Int32Array.BYTES_PER_ELEMENT));
}

export function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
}

export function sharedUint8(length: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(length));
}
