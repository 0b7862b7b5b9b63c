import { describe, expect, it } from 'vitest';
import { passwordProblem } from '../../services/shared/review/password-policy.js';

describe('password policy', () => {
  it('refuses short, guessable and user-named passwords', () => {
    expect(passwordProblem('bob', 'short')).toBe('TOO_SHORT');
    expect(passwordProblem('bob', 'password1234')).toBe('GUESSABLE');
    expect(passwordProblem('nobody', 'qwertyuiop123')).toBe('GUESSABLE');
    expect(passwordProblem('carol', 'carol-is-great-2024!')).toBe('CONTAINS_USERNAME');
    expect(passwordProblem('carol', 'Carol was here in May')).toBe('CONTAINS_USERNAME');
    expect(passwordProblem('nguyen.thi-lan', 'lan lan lan and more words')).toBe('CONTAINS_USERNAME');
  });

  it('accepts a passphrase of unrelated words and a random string', () => {
    expect(passwordProblem('bob', 'correct horse battery staple')).toBeNull();
    expect(passwordProblem('carol', 'a long enough passphrase')).toBeNull();
    expect(passwordProblem('demo', 'Xk9_aZ3pQ-vT')).toBeNull();
  });
});
