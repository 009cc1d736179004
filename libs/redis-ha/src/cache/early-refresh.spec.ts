import { refreshLockMs, shouldRefreshEarly } from './early-refresh';

describe('XFetch early refresh', () => {
  const entry = { expires: 10_000, delta: 100 };

  it('never refreshes entries without expires or delta (written through CACHE_MANAGER.set)', () => {
    expect(shouldRefreshEarly({ expires: 10_000 }, 1, 9_999, () => 0.999999)).toBe(false);
    expect(shouldRefreshEarly({ delta: 100 }, 1, 9_999, () => 0.999999)).toBe(false);
  });

  it('refreshes when now - delta * beta * ln(1 - random) reaches expires', () => {
    // random 0.5: -ln(0.5) * 100 ms = 69.3 ms of lead
    expect(shouldRefreshEarly(entry, 1, 9_930, () => 0.5)).toBe(false);
    expect(shouldRefreshEarly(entry, 1, 9_931, () => 0.5)).toBe(true);
    // beta 2 doubles the lead
    expect(shouldRefreshEarly(entry, 2, 9_862, () => 0.5)).toBe(true);
    // past expiry it always refreshes, even with random 0
    expect(shouldRefreshEarly(entry, 1, 10_000, () => 0)).toBe(true);
  });

  it('the chance to refresh x ms before expiry is exp(-x / (delta * beta))', () => {
    const draws = 20_000;
    let refreshed = 0;
    for (let i = 0; i < draws; i++) if (shouldRefreshEarly(entry, 1, entry.expires - 100)) refreshed++;
    expect(refreshed / draws).toBeCloseTo(Math.exp(-1), 1);
    let far = 0;
    for (let i = 0; i < draws; i++) if (shouldRefreshEarly(entry, 1, entry.expires - 1000)) far++;
    expect(far / draws).toBeLessThan(0.001); // exp(-10)
  });

  it('holds the refresh lock until the entry expires, at least twice the loader time', () => {
    expect(refreshLockMs(entry, 9_000)).toBe(1000);
    expect(refreshLockMs(entry, 9_950)).toBe(200);
    expect(refreshLockMs({}, 0)).toBe(100);
  });
});
