import type { Logger } from '@nestjs/common';
import { loadAllSettings } from '../config/load-config';
import { CacheKeys } from './cache-keys';
import { CacheMetrics } from './cache-metrics';
import { CacheNamespace, type NamespaceContext } from './cache-namespace';
import type { CacheWriteResult } from './cache-results';
import { CacheSerializer, SKIP_ENTRY } from './cache-serializer';
import type { RedisHaCacheStore } from './redis-ha-cache-store';
import { SingleFlight } from './single-flight';

/** The store's contract in memory: what CacheNamespace needs, with the source and the lock under test control. */
class FakeStore {
  readonly entries = new Map<string, string>();
  source: 'redis' | 'fallback' = 'redis';
  lockFree = true;
  readonly locks: string[] = [];
  readonly keys = new CacheKeys(loadAllSettings({ CACHE_TTL_HOLIDAYS: '60' }).cache);
  readonly serializer = new CacheSerializer(1000);

  async get(key: string) {
    return { raw: this.entries.get(key), source: this.source };
  }
  async set(key: string, raw: string): Promise<CacheWriteResult> {
    if (raw === SKIP_ENTRY) return { stored: 'skipped' };
    this.entries.set(key, raw);
    return { stored: this.source === 'redis' ? 'redis' : 'fallback' };
  }
  async delete(key: string) {
    return this.entries.delete(key);
  }
  async tryLock(key: string) {
    this.locks.push(key);
    return this.lockFree;
  }
}

function setup(earlyRefresh = true) {
  const store = new FakeStore();
  const metrics = new CacheMetrics();
  const logger = { warn: jest.fn() } as unknown as Logger & { warn: jest.Mock };
  const ctx: NamespaceContext = {
    store: store as unknown as RedisHaCacheStore,
    metrics,
    logger,
    flights: new SingleFlight(),
    refreshes: new SingleFlight(),
    earlyRefresh,
    beta: 1,
  };
  return {
    store,
    metrics,
    logger,
    ns: new CacheNamespace('holidays', 60, ctx),
    root: new CacheNamespace('', undefined, ctx),
  };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('CacheNamespace', () => {
  it('prefixes keys with the namespace; the root keeps them as given', () => {
    const { ns, root } = setup();
    expect(ns.key('2024')).toBe('holidays:2024');
    expect(root.key('holidays:2024')).toBe('holidays:2024');
  });

  it('wrap(): miss runs the loader and caches with the namespace TTL; hit does not; fallback says so', async () => {
    const { ns, store, metrics } = setup();
    const loader = jest.fn(async () => ['12-25']);
    expect(await ns.wrap('2024', loader)).toEqual({ value: ['12-25'], status: 'miss' });
    await tick();
    const entry = JSON.parse(store.entries.get('holidays:2024')!);
    expect(entry.expires - Date.now()).toBeGreaterThan(59_000);
    expect(entry.delta).toBeGreaterThanOrEqual(1);
    expect(await ns.wrap('2024', loader)).toEqual({ value: ['12-25'], status: 'hit' });
    store.source = 'fallback';
    expect(await ns.wrap('2024', loader)).toEqual({ value: ['12-25'], status: 'fallback' });
    expect(loader).toHaveBeenCalledTimes(1);
    expect(metrics.loaderRuns).toBe(1);
  });

  it('wrap(): concurrent calls share one lookup and one load', async () => {
    const { ns, metrics } = setup();
    const loader = jest.fn(async () => 'v');
    const results = await Promise.all(Array.from({ length: 50 }, () => ns.wrap('k', loader)));
    expect(loader).toHaveBeenCalledTimes(1);
    expect(metrics.coalesced).toBe(49);
    expect(new Set(results.map((r) => r.status))).toEqual(new Set(['miss']));
  });

  it('wrap(): a loader error reaches the callers and caches nothing', async () => {
    const { ns, store, metrics } = setup();
    await expect(ns.wrap('k', async () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(store.entries.size).toBe(0);
    expect(metrics.loaderErrors).toBe(1);
  });

  it('wrap(): a value the cache refuses is returned, not cached, and logged', async () => {
    const { ns, store, logger } = setup();
    const fn = () => 1;
    expect(await ns.wrap('k', async () => ({ fn }))).toEqual({ value: { fn }, status: 'miss' });
    expect(store.entries.size).toBe(0);
    expect(logger.warn.mock.calls[0][0]).toMatch(/wrap\("holidays:k"\) returned a value the cache refuses/);
  });

  it('early refresh: near expiry one caller takes the lock and reloads in the background', async () => {
    const { ns, store, metrics } = setup();
    store.entries.set('holidays:k', JSON.stringify({ value: 'old', expires: Date.now() + 5, delta: 1000 }));
    const loader = jest.fn(async () => 'new');
    expect(await ns.wrap('k', loader)).toEqual({ value: 'old', status: 'hit' }); // served at once
    await tick();
    expect(store.locks).toEqual(['holidays:k']);
    expect(loader).toHaveBeenCalledTimes(1);
    expect(metrics.earlyRefreshes).toBe(1);
    expect(JSON.parse(store.entries.get('holidays:k')!).value).toBe('new');
  });

  it('early refresh: no reload when another process holds the lock, or when turned off', async () => {
    const { ns, store } = setup();
    store.lockFree = false;
    store.entries.set('holidays:k', JSON.stringify({ value: 'old', expires: Date.now() + 5, delta: 1000 }));
    const loader = jest.fn(async () => 'new');
    await ns.wrap('k', loader);
    await tick();
    expect(loader).not.toHaveBeenCalled();

    const off = setup(false);
    off.store.entries.set(
      'holidays:k',
      JSON.stringify({ value: 'old', expires: Date.now() + 5, delta: 1000 }),
    );
    await off.ns.wrap('k', loader);
    await tick();
    expect(off.store.locks).toEqual([]);
  });

  it("set()/get()/lookup()/del(); set(undefined) is skipped; the root takes TTLs from the key's namespace", async () => {
    const { ns, root, store } = setup();
    expect(await ns.set('a', new Date(0))).toEqual({ stored: 'redis' });
    expect(await ns.get('a')).toEqual(new Date(0));
    expect(await ns.lookup('missing')).toEqual({ value: undefined, status: 'miss' });
    expect(await ns.set('b', undefined)).toEqual({ stored: 'skipped' });
    await ns.del('a');
    expect(await ns.get('a')).toBeUndefined();
    await root.set('holidays:x', 1);
    await root.set('other:x', 1);
    const ttl = (key: string) => JSON.parse(store.entries.get(key)!).expires - Date.now();
    expect(ttl('holidays:x')).toBeGreaterThan(59_000);
    expect(ttl('holidays:x')).toBeLessThanOrEqual(60_000);
    expect(ttl('other:x')).toBeGreaterThan(299_000); // CACHE_TTL_SECONDS default
  });

  it("an entry that is not this library's JSON reads as a miss", async () => {
    const { ns, store } = setup();
    store.entries.set('holidays:bad', 'not json');
    expect(await ns.lookup('bad')).toEqual({ value: undefined, status: 'miss' });
    expect(await ns.wrap('bad', async () => 'reloaded')).toEqual({ value: 'reloaded', status: 'miss' });
  });
});
