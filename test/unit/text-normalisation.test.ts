import { describe, expect, it } from 'vitest';
import { cleanText, foldToAscii, unifyToneMarks } from '../../services/shared/normalise/text.js';

describe('cleanText', () => {
  it('turns decomposed (NFD) text into composed (NFC) text', () => {
    expect(cleanText('Nguyễn'.normalize('NFD'))).toBe('Nguyễn'.normalize('NFC'));
  });

  it('maps the Icelandic Ð look-alike to the Vietnamese Đ', () => {
    expect(cleanText('\u00d0ặng \u00f0ức')).toBe('Đặng đức');
  });

  it('removes control and zero-width characters and collapses spaces', () => {
    expect(cleanText(' Lê\u0000  Văn\u200b\tAn ')).toBe('Lê Văn An');
  });
});

describe('unifyToneMarks', () => {
  it('moves the mark of an open oa syllable to the o (hoà → hòa)', () => {
    expect(unifyToneMarks('hoà')).toBe('hòa');
  });

  it('moves the mark of an open uy syllable to the u (thuỷ → thủy)', () => {
    expect(unifyToneMarks('Thuỷ')).toBe('Thủy');
  });

  it('leaves a syllable with a final consonant as it is (hoàn)', () => {
    expect(unifyToneMarks('hoàn')).toBe('hoàn');
  });

  it('leaves qu + y as it is, since the u of qu is a consonant (quý)', () => {
    expect(unifyToneMarks('quý')).toBe('quý');
  });
});

describe('foldToAscii', () => {
  it('drops diacritics, maps đ to d and lower-cases', () => {
    expect(foldToAscii('ĐẶNG Thị Thủy')).toBe('dang thi thuy');
  });
});
