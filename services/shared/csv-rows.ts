import { createReadStream } from 'node:fs';
import { DancuError } from './errors.js';

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/**
 * A CSV parser for files of millions of rows (RFC 4180: quoted fields may hold commas, quotes
 * written twice and line breaks; CRLF or LF; fields trimmed; empty lines skipped). Text goes in
 * by pieces as it is read; complete rows come out. csv-parse does the same at a sixth of the speed,
 * which on a national register is most of the time spent reading.
 */
export class CsvRowParser {
  private carry = '';
  private atStart = true;
  /** Rows given out so far: a row that does not parse is named by its number (the header is row 1). */
  private rows = 0;

  /** The complete rows in the text read so far; a row cut at the end of the piece waits for the next. */
  push(text: string): string[][] {
    let input = this.carry + text;
    if (this.atStart && input.length > 0) {
      if (input.charCodeAt(0) === 0xfeff) input = input.slice(1);
      this.atStart = false;
    }
    const { rows, consumed } = this.parse(input, false);
    this.carry = input.slice(consumed);
    return rows;
  }

  /** The last row, when the text did not end with a line break. */
  end(): string[][] {
    const { rows } = this.parse(this.carry, true);
    this.carry = '';
    return rows;
  }

  private parse(text: string, final: boolean): { rows: string[][]; consumed: number } {
    const rows: string[][] = [];
    try {
      const consumed = parseRows(text, final, rows);
      this.rows += rows.length;
      return { rows, consumed };
    } catch (error) {
      throw new Error(`row ${this.rows + rows.length + 1}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
}

/** Parses whole rows of `text` into `rows`; returns how far it got (the start of a row it could not finish). */
function parseRows(text: string, final: boolean, rows: string[][]): number {
  const length = text.length;
  let rowStart = 0;
  let i = 0;
  let row: string[] = [];
  while (i < length || (final && i === length && row.length > 0)) {
    let field: string;
    // Whitespace before an opening quote is trimmed, as after the closing one.
    let start = i;
    while (start < length && isBlank(text.charCodeAt(start))) start += 1;
    if (start < length && text.charCodeAt(start) === QUOTE) {
      let close = text.indexOf('"', start + 1);
      while (close >= 0 && text.charCodeAt(close + 1) === QUOTE) close = text.indexOf('"', close + 2);
      // A quote still open at the end of the file would otherwise take every row after it, unseen.
      if (close < 0 && final) throw new Error('a quoted field is not closed');
      if (close < 0 || (!final && close + 1 >= length)) return rowStart;
      field = text.slice(start + 1, close);
      if (field.includes('""')) field = field.replace(/""/g, '"');
      i = close + 1;
      while (i < length && isBlank(text.charCodeAt(i))) i += 1;
    } else {
      let end = i;
      while (end < length && !isFieldEnd(text.charCodeAt(end))) end += 1;
      if (end >= length && !final) return rowStart;
      field = text.slice(i, end).trim();
      i = end;
    }
    row.push(field);
    if (i >= length && !final) return rowStart;
    const code = i < length ? text.charCodeAt(i) : LF;
    if (code === COMMA) {
      i += 1;
      continue;
    }
    if (code === CR) {
      if (i + 1 >= length && !final) return rowStart;
      i += text.charCodeAt(i + 1) === LF ? 2 : 1;
    } else if (code === LF) {
      i += 1;
    } else {
      throw new Error(`a quoted field is followed by text at character ${i} of its row`);
    }
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
    rowStart = i;
  }
  return final ? length : rowStart;
}

function isFieldEnd(code: number): boolean {
  return code === COMMA || code === LF || code === CR;
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9;
}

/**
 * Rows of a CSV file, a batch per piece read, read as a stream: the file is never held whole. A
 * file that cannot be read or parsed is one CSV_FILE_INVALID naming it (and the row that does not parse).
 */
export async function* csvFileRows(file: string): AsyncGenerator<string[][]> {
  const parser = new CsvRowParser();
  const invalid = (error: unknown) => {
    const code = (error as { code?: unknown }).code;
    const problem = typeof code === 'string' ? `cannot be read (${code})` : error instanceof Error ? error.message : String(error);
    return new DancuError('CSV_FILE_INVALID', `${file}: ${problem}`, { retriable: false, cause: error });
  };
  // Small pieces: a piece's text stays in V8's young generation (large strings go straight to the old one and wait for a full collection).
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 15 });
  const pieces = (stream as AsyncIterable<string>)[Symbol.asyncIterator]();
  try {
    let ended = false;
    while (!ended) {
      let rows: string[][];
      try {
        const piece = await pieces.next();
        ended = piece.done === true;
        rows = ended ? parser.end() : parser.push(piece.value as string);
      } catch (error) {
        throw invalid(error);
      }
      if (rows.length > 0) yield rows;
    }
  } finally {
    // A reader that stops early closes the file, as a for-await loop over the stream would.
    await pieces.return?.();
  }
}

/** A CSV field as written: quoted only when it holds a comma, a quote or a line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * The same text, not sharing memory with the piece of the file it was cut from. V8 keeps a
 * field cut from a piece as a slice of it: a field kept in a cache would keep its whole piece
 * alive, and a cache of a register's addresses would keep most of the file.
 */
export function detached(text: string): string {
  return text.length < 13 ? text : ` ${text}`.slice(1);
}

/** Entries a cache of field values holds before it starts again: bounded memory, whatever the file. */
const CACHE_LIMIT = 200_000;

/**
 * What `make` gives for a field's text, worked out once per distinct text: a register repeats
 * its names, dates and addresses, and normalising them again for every row was most of a load.
 */
export function cached<T>(cache: Map<string, T>, raw: string, make: (raw: string) => T): T {
  let value = cache.get(raw);
  if (value === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    value = make(raw);
    cache.set(detached(raw), value);
  }
  return value;
}
