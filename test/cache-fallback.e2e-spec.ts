import { type CacheApp, sleep, startCacheApp, timed, waitUntil } from './cache-e2e.helpers';
import { LocalCluster } from '../tools/cluster/local-cluster';

const TIMEOUT_MS = 300;
const SLACK_MS = 150;

describe('cache: every Redis node down, then back', () => {
  let cluster: LocalCluster;
  let app: CacheApp;
  let none: CacheApp;

  beforeAll(async () => {
    cluster = await LocalCluster.start({ basePort: 27220, downAfterMs: 2000, failoverTimeoutMs: 5000 });
    const env = {
      ...cluster.env(),
      REDIS_KEY_PREFIX: 'app:',
      CACHE_TIMEOUT_MS: String(TIMEOUT_MS),
      CACHE_BREAKER_COOLDOWN_MS: '250',
      CACHE_FALLBACK_MAX_ITEMS: '100',
    };
    app = await startCacheApp(env);
    none = await startCacheApp({ ...env, CACHE_FALLBACK: 'none' });
  });

  afterAll(async () => {
    await app?.close();
    await none?.close();
    await cluster?.stop();
  });

  it('answers from the memory fallback while Redis is gone, then returns to Redis and invalidates what changed meanwhile', async () => {
    await app.manager.set('kept', 'from redis');
    await app.manager.set('changed', 'old value');
    await app.manager.set('deleted', 'old value');
    const master = await cluster.master();
    const order = [master, ...cluster.redisPorts.filter((p) => p !== master)];
    for (const port of order) await cluster.stopNode(port);

    await waitUntil(
      'the fallback',
      () => app.status.mode === 'fallback' && none.status.mode === 'fallback',
      10_000,
    );
    const calls = await Promise.all([
      timed(() => app.manager.get('kept')),
      timed(() => app.manager.set('changed', 'new value')),
      timed(() => app.manager.del('deleted')),
      timed(() => app.cache.wrap('report', async () => 'computed while down')),
    ]);
    expect(calls.map((c) => c.error)).toEqual([undefined, undefined, undefined, undefined]);
    expect(Math.max(...calls.map((c) => c.ms))).toBeLessThanOrEqual(TIMEOUT_MS + SLACK_MS);
    expect(calls[0].value).toBeUndefined(); // Redis' data is out of reach, not in memory
    expect(calls[3].value).toEqual({ value: 'computed while down', status: 'fallback' });

    // The fallback serves and accepts entries, honours TTLs, and stays bounded.
    expect(await app.manager.get('changed')).toBe('new value');
    expect(await app.cache.wrap('report', async () => 'not called')).toEqual({
      value: 'computed while down',
      status: 'fallback',
    });
    await app.manager.set('short', 'lived', 200);
    expect(await app.manager.get('short')).toBe('lived');
    await sleep(300);
    expect(await app.manager.get('short')).toBeUndefined();
    for (let i = 0; i < 150; i++) await app.cache.set(`bulk:${i}`, i);
    expect(app.metrics.fallbackItems).toBeLessThanOrEqual(100);
    expect(await app.cache.get('bulk:149')).toBe(149);

    // CACHE_FALLBACK=none: every read misses, writes are dropped, wrap() still runs the loader.
    expect(await none.cache.set('x', 1)).toEqual({ stored: 'dropped' });
    expect(await none.cache.get('x')).toBeUndefined();
    expect(await none.cache.wrap('y', async () => 'loaded')).toEqual({ value: 'loaded', status: 'fallback' });

    for (const port of order) await cluster.startNode(port);
    await cluster.waitUntilHealthy(60_000);
    await waitUntil(
      'the way back to Redis',
      () => app.status.mode === 'redis' && none.status.mode === 'redis',
      30_000,
    );

    expect(app.metrics.recoveries).toBe(1);
    expect(app.status.transitions).toBe(2); // redis -> fallback -> redis
    expect(app.metrics.fallbackItems).toBe(0); // dropped, not merged
    expect(await app.manager.get('kept')).toBe('from redis');
    // Keys written or deleted while on the fallback were deleted from Redis: no outdated value comes back.
    expect(await app.manager.get('changed')).toBeUndefined();
    expect(await app.manager.get('deleted')).toBeUndefined();
    expect(app.metrics.invalidationsReplayed).toBeGreaterThanOrEqual(3);
    const admin = cluster.admin(await cluster.master());
    try {
      await app.manager.set('after', 'back on redis');
      expect(await admin.exists('cache:v1:after')).toBe(1);
    } finally {
      admin.disconnect();
    }
  });
});
