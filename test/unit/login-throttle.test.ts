import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../services/steward/login-throttle.js';

describe('login throttle', () => {
  it('counts failed sign-ins only, per address, over a sliding window', () => {
    const throttle = new LoginThrottle(3, 60_000);
    for (let i = 0; i < 10; i += 1) expect(throttle.retryAfterMs('10.0.0.1', 1_000 + i)).toBe(0);
    throttle.recordFailure('10.0.0.1', 1_000);
    throttle.recordFailure('10.0.0.1', 2_000);
    expect(throttle.retryAfterMs('10.0.0.1', 3_000)).toBe(0);
    throttle.recordFailure('10.0.0.1', 3_000);
    expect(throttle.retryAfterMs('10.0.0.1', 4_000)).toBe(57_000);
    expect(throttle.retryAfterMs('10.0.0.2', 4_000)).toBe(0);
    expect(throttle.retryAfterMs('10.0.0.1', 61_001)).toBe(0);
  });
});
