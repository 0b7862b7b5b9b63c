import { describe, expect, it } from 'vitest';
import { Utf8Lines } from '../../services/shared/utf8-lines.js';

const decoded = (lines: Utf8Lines): string => lines.bytes().toString('utf8');

describe('lines put together as UTF-8 bytes', () => {
  it('holds the bytes of every text added, in order', () => {
    const lines = new Utf8Lines();
    lines.add('"079087001234","Nguyễn Văn Hoà"\n');
    lines.add('"dob_family","1987-03-14nguyen","079087001234"\n');
    expect(decoded(lines)).toBe('"079087001234","Nguyễn Văn Hoà"\n"dob_family","1987-03-14nguyen","079087001234"\n');
  });

  it('grows past its first size without losing what it held', () => {
    const lines = new Utf8Lines(8);
    const added = Array.from({ length: 500 }, (_, i) => `Lê Thị Ánh ${i}\n`);
    for (const line of added) lines.add(line);
    expect(decoded(lines)).toBe(added.join(''));
  });

  it('encodes characters outside the basic plane and three-byte ones in a buffer sized for them', () => {
    const lines = new Utf8Lines(1);
    lines.add('𠀀 Đặng ₫\n');
    expect(lines.bytes()).toEqual(Buffer.from('𠀀 Đặng ₫\n', 'utf8'));
  });

  it('writes a lone surrogate as U+FFFD, as Buffer.from does, without cutting what follows', () => {
    const lines = new Utf8Lines(1);
    lines.add('a\uD800b\n');
    expect(lines.bytes()).toEqual(Buffer.from('a\uFFFDb\n', 'utf8'));
  });

  it('gives bytes in an ArrayBuffer of its own, never in Node’s shared pool', () => {
    const lines = new Utf8Lines(16);
    lines.add('a\n');
    expect([lines.bytes().byteOffset, lines.bytes().buffer.byteLength]).toEqual([0, 16]);
  });

  it('gives no bytes when nothing was added', () => {
    expect(new Utf8Lines().bytes().length).toBe(0);
  });
});
