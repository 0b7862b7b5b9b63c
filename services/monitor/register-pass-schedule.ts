/**
 * When the monitor runs its next pass over every citizen (correct and complete). The pass's cost
 * grows with the register: seconds at a million citizens, minutes at national size, where a pass
 * every minute would keep a core busy for nothing but a gauge. So the wait after a pass is the
 * configured interval or, when longer, what keeps the pass to `maxShare` of the monitor's time:
 * a pass of `seconds` is followed by seconds × (1 / maxShare − 1) of rest. Clean and live, read
 * through indexes, are measured every interval whatever this says.
 */
export function registerPassWaitMs(passSeconds: number, intervalMs: number, maxShare: number): number {
  if (!(maxShare > 0 && maxShare <= 1)) throw new RangeError(`maxShare ${maxShare} is not in (0, 1]`);
  return Math.max(intervalMs, Math.ceil(passSeconds * 1000 * (1 / maxShare - 1)));
}
