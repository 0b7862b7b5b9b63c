import { createReadStream } from 'node:fs';

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

  /** The complete rows in the text read so far; a row cut at the end of the piece waits for the next. */
  push(text: string): string[][] {
    let input = this.carry + text;
    if (this.atStart && input.length > 0) {
      if (input.charCodeAt(0) === 0xfeff) input = input.slice(1);
      this.atStart = false;
    }
    const rows: string[][] = [];
    const consumed = parseRows(input, false, rows);
    this.carry = input.slice(consumed);
    return rows;
  }

  /** The last row, when the text did not end with a line break. */
  end(): string[][] {
    const rows: string[][] = [];
    parseRows(this.carry, true, rows);
    this.carry = '';
    return rows;
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

/** Rows of a CSV file, a batch per piece read, read as a stream: the file is never held whole. */
export async function* csvFileRows(file: string): AsyncGenerator<string[][]> {
  const parser = new CsvRowParser();
  // Small pieces: a piece's text stays in V8's young generation (large strings go straight to the old one and wait for a full collection).
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 15 });
  for await (const piece of stream as AsyncIterable<string>) {
    const rows = parser.push(piece);
    if (rows.length > 0) yield rows;
  }
  const last = parser.end();
  if (last.length > 0) yield last;
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
