import { CacheInterceptor, CacheKey, CacheTTL } from '@nestjs/cache-manager';
import { Controller, Get, UseInterceptors } from '@nestjs/common';
import type Redis from 'ioredis';
import request from 'supertest';
import { CacheKeyError, CacheSerializationError, CacheValueTooLargeError } from '@app/redis-ha/cache';
import { type CacheApp, startCacheApp, waitUntil } from './cache-e2e.helpers';
import { LocalCluster } from '../tools/cluster/local-cluster';

let served = 0;

@Controller()
@UseInterceptors(CacheInterceptor)
class TimeController {
  @Get('counter')
  counter() {
    return { served: ++served };
  }

  @Get('holidays')
  @CacheKey('holidays:list')
  @CacheTTL(60_000)
  holidays() {
    return { served: ++served, days: ['2024-12-25'] };
  }
}

describe('cache: the @nestjs/cache-manager API on the HA connection', () => {
  let cluster: LocalCluster;
  let env: Record<string, string>;
  let admin: Redis;
  let app: CacheApp;

  beforeAll(async () => {
    cluster = await LocalCluster.start({ basePort: 27200, downAfterMs: 2000, failoverTimeoutMs: 5000 });
    env = {
      ...cluster.env(),
      REDIS_KEY_PREFIX: 'app:',
      CACHE_TTL_SECONDS: '120',
      CACHE_TTL_HOLIDAYS: '2592000',
      CACHE_KEY_VERSION_PRICES: 'r7',
    };
    admin = cluster.admin(await cluster.master());
    app = await startCacheApp(env, { controllers: [TimeController] });
  });

  afterAll(async () => {
    await app?.close();
    admin?.disconnect();
    await cluster?.stop();
  });

  it('get/set/del/wrap through CACHE_MANAGER store in Redis under cache:<version>: with a TTL', async () => {
    expect(app.status.mode).toBe('redis');
    expect(app.status.transitions).toBe(0); // starting on Redis is not a switch
    await app.manager.set('greeting', { text: 'hello' });
    expect(await app.manager.get('greeting')).toEqual({ text: 'hello' });
    expect(await admin.exists('cache:v1:greeting')).toBe(1);
    const pttl = await admin.pttl('cache:v1:greeting');
    expect(pttl).toBeGreaterThan(110_000);
    expect(pttl).toBeLessThanOrEqual(120_000);

    await app.manager.set('short', 'x', 5_000);
    expect(await admin.pttl('cache:v1:short')).toBeLessThanOrEqual(5_000);

    await app.manager.del('greeting');
    expect(await app.manager.get('greeting')).toBeUndefined();
    expect(await admin.exists('cache:v1:greeting')).toBe(0);

    let runs = 0;
    const load = async () => ({ runs: ++runs });
    expect(await app.manager.wrap('wrapped', load)).toEqual({ runs: 1 });
    expect(await app.manager.wrap('wrapped', load)).toEqual({ runs: 1 });
    expect(await admin.pttl('cache:v1:wrapped')).toBeGreaterThan(0);
  });

  it('CacheInterceptor, @CacheKey and @CacheTTL work unchanged', async () => {
    const http = request(app.app.getHttpServer());
    const first = await http.get('/counter').expect(200);
    const second = await http.get('/counter').expect(200);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.body).toEqual(first.body);
    expect(await admin.exists('cache:v1:/counter')).toBe(1);

    const h1 = await http.get('/holidays').expect(200);
    const h2 = await http.get('/holidays').expect(200);
    expect(h2.body).toEqual(h1.body);
    const pttl = await admin.pttl('cache:v1:holidays:list');
    expect(pttl).toBeGreaterThan(50_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
  });

  it('namespaces take their TTL and version from CACHE_TTL_<NS> / CACHE_KEY_VERSION_<NS>', async () => {
    const holidays = app.cache.namespace('holidays');
    expect(await holidays.set('2024', ['12-25'])).toEqual({ stored: 'redis' });
    expect(await admin.pttl('cache:v1:holidays:2024')).toBeGreaterThan(2_590_000_000);
    // CACHE_MANAGER sees the same entry, and a set there without a TTL gets the namespace's.
    expect(await app.manager.get('holidays:2024')).toEqual(['12-25']);
    await app.manager.set('holidays:2025', ['12-25']);
    expect(await admin.pttl('cache:v1:holidays:2025')).toBeGreaterThan(2_590_000_000);

    await app.cache.namespace('prices').set('apple', 3);
    expect(await admin.exists('cache:r7:prices:apple')).toBe(1);
    // A deploy that changes the version no longer sees the old entries.
    const next = await startCacheApp({ ...env, CACHE_KEY_VERSION_PRICES: 'r8' });
    try {
      expect(await next.cache.namespace('prices').get('apple')).toBeUndefined();
      expect(await next.cache.namespace('holidays').get('2024')).toEqual(['12-25']);
    } finally {
      await next.close();
    }
  });

  it('wrap() says hit, miss; values round-trip through Redis (Date, Buffer, Map, Set, BigInt, nested)', async () => {
    const value = {
      at: new Date('2024-02-29T12:00:00.000Z'),
      bytes: Buffer.from([0, 1, 254, 255]),
      map: new Map<string, unknown>([['a', { deep: [1, new Date(0)] }]]),
      set: new Set([1, 'two']),
      big: 2n ** 70n,
      odd: [Number.NaN, Number.POSITIVE_INFINITY, -0],
      nested: { $t: 'looks like a tag', v: 1, list: [null, 'x', { y: true }] },
      text: ':leading colon and "$t" inside',
    };
    const ns = app.cache.namespace('roundtrip');
    expect(await ns.wrap('v', async () => value)).toEqual({ value, status: 'miss' });
    await new Promise((r) => setTimeout(r, 50)); // the write after a load is not awaited by wrap()
    const hit = await ns.wrap<typeof value>('v', async () => {
      throw new Error('not called on a hit');
    });
    expect(hit.status).toBe('hit');
    expect(hit.value).toEqual(value);
    expect(Object.is(hit.value.odd[2], -0)).toBe(true);
    expect(Buffer.isBuffer(hit.value.bytes)).toBe(true);
    await app.manager.set('roundtrip:manager', value);
    expect(await app.manager.get('roundtrip:manager')).toEqual(value);
  });

  it('bad input: a clear error, or a documented skip for undefined, never a corrupted entry', async () => {
    await expect(app.manager.set('bad:fn', { f: () => 1 })).rejects.toBeInstanceOf(CacheSerializationError);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await expect(app.cache.set('bad:circular', circular)).rejects.toBeInstanceOf(CacheSerializationError);
    await expect(app.manager.set('bad:big', 'x'.repeat(1_100_000))).rejects.toBeInstanceOf(
      CacheValueTooLargeError,
    );
    await expect(app.cache.set('k'.repeat(2000), 1)).rejects.toBeInstanceOf(CacheKeyError);
    expect(await app.cache.set('bad:undefined', undefined)).toEqual({ stored: 'skipped' });
    await app.manager.set('bad:undefined2', undefined);
    expect(await admin.keys('cache:v1:bad:*')).toEqual([]);
    expect(app.metrics.rejectedWrites).toBeGreaterThanOrEqual(3);
    expect(app.metrics.skippedWrites).toBeGreaterThanOrEqual(2);
  });

  it('1,000 concurrent wrap() misses of one key run the loader once (RedisHaCache and CACHE_MANAGER)', async () => {
    let runs = 0;
    const loader = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 20));
      return 'loaded';
    };
    const results = await Promise.all(
      Array.from({ length: 1000 }, () => app.cache.wrap('stampede:one', loader)),
    );
    expect(runs).toBe(1);
    expect(results.every((r) => r.value === 'loaded' && r.status === 'miss')).toBe(true);

    runs = 0;
    const viaManager = await Promise.all(
      Array.from({ length: 1000 }, () => app.manager.wrap('stampede:two', loader)),
    );
    expect(runs).toBe(1);
    expect(viaManager.every((v) => v === 'loaded')).toBe(true);
  });

  it('durable writes return once WAIT confirms on the connection that carried the SET, or say why not', async () => {
    // Right after the cluster starts a replica can still be syncing (it then confirms nothing, rightly): wait
    // until both replicas confirm a write, so that this checks the cache and not the launcher's timing.
    await waitUntil('both replicas in sync', async () => {
      await admin.set('app:sync', String(Date.now()));
      return (await admin.wait(2, 200)) === 2;
    });
    const durable = await startCacheApp({
      ...env,
      CACHE_WAIT_REPLICAS_ORDERS: '2',
      CACHE_WAIT_TIMEOUT_MS: '300',
    });
    try {
      const orders = durable.cache.namespace('orders');
      const ok = await orders.set('1', { total: 10 });
      expect(ok.stored).toBe('redis');
      expect(ok.durable).toMatchObject({ confirmed: true, replicas: 2, required: 2, attempts: 1 });
      const started = Date.now();
      const tooMany = await orders.set('2', { total: 20 }, { waitReplicas: 3 });
      expect(Date.now() - started).toBeLessThan(300 + 500);
      expect(tooMany.durable).toMatchObject({
        confirmed: false,
        replicas: 2,
        required: 3,
        reason: 'replicas-timeout',
      });
      // Through CACHE_MANAGER the namespace's setting applies too (the result is counted, not returned).
      await durable.manager.set('orders:3', { total: 30 });
      expect(durable.metrics.durableConfirmed).toBe(2);
      expect(durable.metrics.durableUnconfirmed).toBe(1);
    } finally {
      await durable.close();
    }
  });

  it('CACHE_READ_FROM=replica-preferred reads from a replica, except keys this process just wrote', async () => {
    const routed = await startCacheApp({
      ...env,
      CACHE_READ_FROM: 'replica-preferred',
      CACHE_READ_YOUR_WRITES_MS: '300',
    });
    const master = await cluster.master();
    const nodes = cluster.redisPorts.map((port) => ({ port, client: cluster.admin(port) }));
    const gets = async () => {
      const counts = await Promise.all(
        nodes.map(async ({ client }) =>
          Number(/cmdstat_get:calls=(\d+)/.exec(await client.info('commandstats'))?.[1] ?? 0),
        ),
      );
      const onMaster = counts[cluster.redisPorts.indexOf(master)];
      return { master: onMaster, replicas: counts.reduce((a, b) => a + b, 0) - onMaster };
    };
    try {
      // The replica connection starts with its first command, and reads go to the master until it is ready (a
      // slow machine takes longer than any fixed pause): wait until a read reaches a replica, so what follows
      // checks routing and not the connection's start.
      await waitUntil('a read served by a replica', async () => {
        const start = (await gets()).replicas;
        await routed.manager.get('warm-up');
        return (await gets()).replicas > start;
      });
      const before = await gets();
      await routed.manager.set('route:a', 'fresh');
      expect(await routed.manager.get('route:a')).toBe('fresh'); // read-your-writes: from the master
      const afterOwnRead = await gets();
      expect(afterOwnRead.master - before.master).toBe(1);
      // Past the window: replicas again. (A replica right after the cluster started can still be catching up:
      // wait until both hold the key, so that this checks routing and not the replica's initial sync.)
      await new Promise((r) => setTimeout(r, 400));
      const replicas = nodes.filter(({ port }) => port !== master);
      await waitUntil('the key on both replicas', async () =>
        (await Promise.all(replicas.map(({ client }) => client.exists('cache:v1:route:a')))).every(
          (n) => n === 1,
        ),
      );
      for (let i = 0; i < 20; i++) expect(await routed.manager.get('route:a')).toBe('fresh');
      const after = await gets();
      expect(after.replicas - afterOwnRead.replicas).toBe(20);
      expect(after.master - afterOwnRead.master).toBe(0);
    } finally {
      for (const { client } of nodes) client.disconnect();
      await routed.close();
    }
  });

  it('clear() removes the cache keys and nothing else', async () => {
    await admin.set('app:not-cache', '1');
    await app.manager.set('to-clear', 1);
    await app.manager.clear();
    expect(await admin.keys('cache:v1:*')).toEqual([]);
    expect(await admin.get('app:not-cache')).toBe('1');
  });

  it('CACHE_ENABLED=false: CACHE_MANAGER still exists, stores nothing, wrap() always loads', async () => {
    const off = await startCacheApp({ ...env, CACHE_ENABLED: 'false' });
    try {
      expect(off.status.mode).toBe('disabled');
      await off.manager.set('off:key', 1);
      expect(await off.manager.get('off:key')).toBeUndefined();
      expect(await admin.exists('cache:v1:off:key')).toBe(0);
      let runs = 0;
      await off.cache.wrap('off:w', async () => ++runs);
      expect(await off.cache.wrap('off:w', async () => ++runs)).toEqual({ value: 2, status: 'miss' });
    } finally {
      await off.close();
    }
  });
});
