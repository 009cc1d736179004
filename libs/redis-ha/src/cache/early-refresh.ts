import type { CacheEnvelope } from './cache-serializer';

/**
 * XFetch (Vattani, Chierichetti, Lowenstein, "Optimal Probabilistic Cache Stampede Prevention", VLDB 2015):
 * refresh before expiry with a probability that rises as expiry nears and with the time the value takes to
 * compute (`delta`): `now - delta * beta * ln(random()) >= expires`. Under heavy traffic one caller refreshes
 * about `delta * beta * ln(requests per delta)` before expiry, so the value never lapses; entries without
 * `expires` or `delta` (written by `CACHE_MANAGER.set`) are never refreshed early.
 */
export function shouldRefreshEarly(
  entry: Pick<CacheEnvelope, 'expires' | 'delta'>,
  beta: number,
  now: number = Date.now(),
  random: () => number = Math.random,
): boolean {
  if (typeof entry.expires !== 'number' || typeof entry.delta !== 'number' || entry.delta <= 0) return false;
  // 1 - random() is in (0, 1]: its log is finite.
  return now - entry.delta * beta * Math.log(1 - random()) >= entry.expires;
}

/**
 * How long the early-refresh lock is held: until the current entry would expire anyway, and at least twice
 * the loader's time, so one process refreshes per entry and a crashed refresher only costs a normal miss.
 */
export function refreshLockMs(
  entry: Pick<CacheEnvelope, 'expires' | 'delta'>,
  now: number = Date.now(),
): number {
  return Math.max(100, 2 * (entry.delta ?? 0), (entry.expires ?? now) - now);
}
