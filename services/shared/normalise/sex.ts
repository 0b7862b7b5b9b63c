import type { Sex } from '../schemas/records.js';
import { foldToAscii } from './text.js';

const VALUES: Record<string, Sex> = {
  m: 'MALE',
  male: 'MALE',
  nam: 'MALE',
  '1': 'MALE',
  f: 'FEMALE',
  female: 'FEMALE',
  nu: 'FEMALE',
  '2': 'FEMALE',
};

/** Sex as sources write it (M/F, male/female, nam/nữ, 1/2); undefined when the text is none of them. */
export function parseSex(raw: string): Sex | undefined {
  return VALUES[foldToAscii(raw.trim())];
}
