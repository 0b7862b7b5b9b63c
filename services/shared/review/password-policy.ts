import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';

/**
 * Which passwords a steward may set. A length rule alone lets "password1234" through; zxcvbn-ts
 * estimates how many guesses a cracker needs, knowing common passwords, keyboard walks, dates,
 * repeats and l33t, and is maintained (unlike the original zxcvbn). Pure: no I/O.
 */
export const MIN_PASSWORD_LENGTH = 12;
// zxcvbn's score 3 is "safely unguessable: moderate protection from offline slow-hash scenario" (about 10^8 guesses or more).
const MIN_SCORE = 3;

const zxcvbn = new ZxcvbnFactory({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs });

export type PasswordProblem = 'TOO_SHORT' | 'CONTAINS_USERNAME' | 'GUESSABLE';

/** Why the password is refused for this user, or null when it may be set. */
export function passwordProblem(username: string, password: string): PasswordProblem | null {
  if (password.length < MIN_PASSWORD_LENGTH) return 'TOO_SHORT';
  const lower = password.toLowerCase();
  const name = username.toLowerCase();
  const nameParts = name.split(/[._@-]+/).filter((part) => part.length >= 3);
  if (lower.includes(name) || nameParts.some((part) => lower.includes(part))) return 'CONTAINS_USERNAME';
  return zxcvbn.check(password, [name, ...nameParts, 'dancu', 'steward']).score < MIN_SCORE ? 'GUESSABLE' : null;
}

export const PASSWORD_PROBLEM_MESSAGES: Record<PasswordProblem, string> = {
  TOO_SHORT: `a password has at least ${MIN_PASSWORD_LENGTH} characters`,
  CONTAINS_USERNAME: 'a password may not contain the user name',
  GUESSABLE: 'the password is too easy to guess (a common password, word, keyboard pattern or date); use a few unrelated words',
};
