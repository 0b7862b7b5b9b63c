// @ts-check
// Character-level differences between a record's value and a candidate's, as a steward reads them. Pure: no DOM.

/**
 * A run of the candidate's value against the record's: the same characters; characters the
 * candidate has in place of the record's (`mark` says whether only a diacritic or the case
 * differs); characters only the candidate has; characters of the record the candidate lacks.
 * @typedef {{ op: 'same' | 'changed' | 'added' | 'removed', text: string, mark?: 'diacritic' | 'case' | 'other' }} DiffPart
 */

/**
 * What a difference amounts to, in words of the catalogue (`n` fills the template's {n}).
 * @typedef {{ key: string, n?: number }} DiffSummary
 */

/** @param {string} char */
function fold(char) {
  return char
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase();
}

/**
 * @param {string} from the record's character
 * @param {string} to the candidate's character
 * @returns {'diacritic' | 'case' | 'other'}
 */
function markOf(from, to) {
  if (from.toLowerCase() === to.toLowerCase()) return 'case';
  return fold(from) === fold(to) ? 'diacritic' : 'other';
}

/**
 * The candidate's value as runs against the record's, from a minimal edit script over characters
 * (Unicode code points of the NFC text): substitutions, insertions and deletions each cost one, a
 * substitution of the same letter with another diacritic a little less, so that "Nguyễn" against
 * "Nguyên" lines the two ê up rather than deleting and inserting.
 * @param {string} record
 * @param {string} candidate
 * @returns {DiffPart[]}
 */
export function characterDiff(record, candidate) {
  const a = [...record.normalize('NFC')];
  const b = [...candidate.normalize('NFC')];
  const width = b.length + 1;
  const table = new Float64Array((a.length + 1) * width);
  const cost = (/** @type {number} */ i, /** @type {number} */ j) => table[i * width + j] ?? 0;
  const charOf = (/** @type {string[]} */ chars, /** @type {number} */ k) => chars[k] ?? '';
  const substitution = (/** @type {number} */ i, /** @type {number} */ j) => {
    const [x, y] = [charOf(a, i), charOf(b, j)];
    return x === y ? 0 : fold(x) === fold(y) ? 0.5 : 1;
  };
  for (let i = 0; i <= a.length; i += 1) {
    for (let j = 0; j <= b.length; j += 1) {
      table[i * width + j] = i === 0 || j === 0 ? i + j : Math.min(cost(i - 1, j) + 1, cost(i, j - 1) + 1, cost(i - 1, j - 1) + substitution(i - 1, j - 1));
    }
  }
  /** @type {DiffPart[]} */
  const parts = [];
  // Walked back from the end: each run is put in front of the ones found before it.
  /** @param {DiffPart} part */
  const push = (part) => {
    const next = parts[0];
    if (next && next.op === part.op && next.mark === part.mark) next.text = part.text + next.text;
    else parts.unshift(part);
  };
  let i = a.length;
  let j = b.length;
  while (i > 0 || j > 0) {
    if (i > 0 && j > 0 && cost(i, j) === cost(i - 1, j - 1) + substitution(i - 1, j - 1)) {
      const [from, to] = [charOf(a, i - 1), charOf(b, j - 1)];
      push(from === to ? { op: 'same', text: to } : { op: 'changed', text: to, mark: markOf(from, to) });
      i -= 1;
      j -= 1;
    } else if (j > 0 && cost(i, j) === cost(i, j - 1) + 1) {
      push({ op: 'added', text: charOf(b, j - 1) });
      j -= 1;
    } else {
      push({ op: 'removed', text: charOf(a, i - 1) });
      i -= 1;
    }
  }
  return parts;
}

/**
 * A date's day, month and year from ISO yyyy-mm-dd; null for a date of lesser precision.
 * @param {string} value
 */
function dayMonthYear(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return match ? { year: match[1], month: match[2], day: match[3] } : null;
}

/**
 * What the difference between two values of a field amounts to, in words a clerk knows: only
 * the diacritics (or capitals), a day and month swapped, one or more digits of an ID, two
 * neighbouring digits swapped; otherwise how many characters were added, are missing or differ.
 * Dates are compared as ISO values, the rest as shown.
 * @param {string} field
 * @param {string} record
 * @param {string} candidate
 * @returns {DiffSummary[]}
 */
export function differenceSummary(field, record, candidate) {
  if (record === candidate) return [];
  if (field === 'date_of_birth') {
    const [x, y] = [dayMonthYear(record), dayMonthYear(candidate)];
    if (x && y && x.year === y.year && x.day === y.month && x.month === y.day) return [{ key: 'day_month_swapped' }];
  }
  if (/^\d+$/.test(record) && /^\d+$/.test(candidate) && record.length === candidate.length) {
    const at = [...record].flatMap((digit, k) => (digit === candidate[k] ? [] : [k]));
    const [p, q] = [at[0] ?? 0, at[1] ?? 0];
    const swapped = at.length === 2 && q === p + 1 && record[p] === candidate[q] && record[q] === candidate[p];
    return swapped ? [{ key: 'digits_transposed' }] : [{ key: 'digits_differ', n: at.length }];
  }
  const parts = characterDiff(record, candidate).filter((part) => part.op !== 'same');
  if (parts.every((part) => part.op === 'changed' && part.mark === 'case')) return [{ key: 'letter_case_only' }];
  if (parts.every((part) => part.op === 'changed' && part.mark !== 'other')) return [{ key: 'diacritics_only' }];
  const count = (/** @type {DiffPart['op']} */ op) => parts.filter((part) => part.op === op).reduce((sum, part) => sum + [...part.text].length, 0);
  /** @type {DiffSummary[]} */
  const summary = [];
  for (const [op, key] of /** @type {const} */ ([
    ['changed', 'chars_changed'],
    ['added', 'chars_added'],
    ['removed', 'chars_removed'],
  ])) {
    const n = count(op);
    if (n > 0) summary.push({ key, n });
  }
  return summary;
}

/**
 * Whether two values are near enough for their differing characters to tell a steward anything:
 * at least half the characters of the longer one the same, in order (a slip of the keyboard, a
 * lost diacritic, a swapped day and month). Two wholly different values are just different.
 * @param {string} record
 * @param {string} candidate
 */
export function nearMiss(record, candidate) {
  const longer = Math.max([...record].length, [...candidate].length);
  const same = characterDiff(record, candidate)
    .filter((part) => part.op === 'same')
    .reduce((sum, part) => sum + [...part.text].length, 0);
  return longer > 0 && same * 2 >= longer;
}
