import { InvalidArgumentError } from 'commander';

/**
 * Parsers of the CLI's numeric options and arguments: a value out of range is refused by commander
 * in one line before the command runs (`Number()` alone let `abc` through as NaN, which reached a
 * SQL LIMIT, a sleep of no time or a synthetic set of no one).
 */
export function wholeNumber(from: number, to: number, what: string): (value: string) => number {
  const range = to === Infinity ? `${from} or more` : `from ${from} to ${to}`;
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < from || n > to)
      throw new InvalidArgumentError(`a whole number${what ? ` of ${what}` : ''} ${range}`);
    return n;
  };
}

/** A number in [from, to], fractions allowed (a share, a scale). */
export function numberBetween(from: number, to: number): (value: string) => number {
  const range = to === Infinity ? `${from} or more` : `from ${from} to ${to}`;
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < from || n > to) throw new InvalidArgumentError(`a number ${range}`);
    return n;
  };
}
