import { type CacheApp, sleep, startCacheApp, timed, waitUntil } from './cache-e2e.helpers';
import { LocalRedisCluster } from '../tools/cluster/redis-cluster';
import { primaryOfSlotIn, slotOf } from '../tools/cluster/redis-cluster-nodes';

/**
 * The cache on a real Redis Cluster: 3 primaries + 3 replicas from redis/redis-cluster.conf, cluster-node-timeout
 * 2000 ms, ports 28100-28105 (buses 18100-18105). Keys are the cache's own (`cache:v1:<namespace>:<key>`, no
 * hash tag), so a namespace spreads over the shards; where a key lives is asked of the nodes, not assumed.
 */
const CACHE_TIMEOUT_MS = 500;
// Timers fire late on a loaded 2-core machine: the jitter allowed over a bound, not a second timeout.
const SLACK_MS = 200;

interface CacheKey {
  key: string;
  redisKey: string;
  shard: number;
}

describe('Cache on Redis Cluster', () => {
  let cluster: LocalRedisCluster;
  let app: CacheApp;

  beforeAll(async () => {
    cluster = await LocalRedisCluster.start({ basePort: 28100, nodeTimeoutMs: 2000 });
    app = await startCacheApp({ ...cluster.env(), CACHE_TIMEOUT_MS: String(CACHE_TIMEOUT_MS) });
  });
  afterAll(async () => {
    await app?.close();
    await cluster?.stop();
  });

  /** `perShard` keys of namespace `ns` on each primary (by the slot of their Redis key), in shard order. */
  async function keysPerShard(ns: string, perShard: number): Promise<CacheKey[]> {
    const nodes = await cluster.nodes();
    const count = new Map<number, number>();
    const keys: CacheKey[] = [];
    for (let n = 0; keys.length < 3 * perShard; n++) {
      const key = `${ns}:${n}`;
      const redisKey = `cache:v1:${key}`;
      const shard = primaryOfSlotIn(nodes, slotOf(redisKey))!.port;
      if ((count.get(shard) ?? 0) >= perShard) continue;
      count.set(shard, (count.get(shard) ?? 0) + 1);
      keys.push({ key, redisKey, shard });
    }
    return keys.sort((a, b) => a.shard - b.shard);
  }

  /** `GET` of `redisKey` on one node (the one that owns it, or a promoted replica). */
  async function getOn(port: number, redisKey: string): Promise<string | null> {
    const admin = cluster.admin(port);
    try {
      return await admin.get(redisKey);
    } finally {
      admin.disconnect();
    }
  }

  /** `INFO commandstats` calls of `command` on each of `ports`. */
  async function commandCalls(ports: number[], command: string): Promise<Map<number, number>> {
    const calls = new Map<number, number>();
    for (const port of ports) {
      const admin = cluster.admin(port);
      const stats = (await admin.info('commandstats').finally(() => admin.disconnect())) as string;
      calls.set(port, Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0));
    }
    return calls;
  }

  const primaryPorts = async () =>
    (await cluster.nodes()).filter((n) => n.role === 'master' && n.slots.length > 0).map((n) => n.port);

  it('starts in cluster mode; get/set/del/mget/mset/mdel/wrap/clear on keys of all 3 shards', async () => {
    expect(app.cache.mode).toBe('redis');
    const keys = await keysPerShard('users', 4);
    const ns = app.cache.namespace('users');
    for (const { key } of keys) await ns.set(key.slice('users:'.length), { id: key });
    // Each key is on the primary that owns its slot: read there, 3 different primaries.
    for (const { redisKey, shard } of keys) expect(await getOn(shard, redisKey)).toContain(redisKey.slice(9));
    expect(new Set(keys.map((k) => k.shard)).size).toBe(3);
    expect(await ns.lookup(keys[0].key.slice(6))).toEqual({ value: { id: keys[0].key }, status: 'hit' });

    // CACHE_MANAGER's multi-key calls over the 3 shards (one command per key: never CROSSSLOT).
    const many = await keysPerShard('many', 3);
    await app.manager.mset(many.map(({ key }) => ({ key, value: key })));
    expect(await app.manager.mget(many.map((k) => k.key))).toEqual(many.map((k) => k.key));
    await app.manager.mdel(many.map((k) => k.key));
    expect(await app.manager.mget(many.map((k) => k.key))).toEqual(many.map(() => undefined));
    for (const { redisKey, shard } of many) expect(await getOn(shard, redisKey)).toBeNull();

    await ns.del(keys[1].key.slice(6));
    expect(await getOn(keys[1].shard, keys[1].redisKey)).toBeNull();

    let loads = 0;
    const wrapped = keys.map(({ key }) => `w${key.slice(6)}`);
    const first = await Promise.all(wrapped.map((k) => ns.wrap(k, async () => (++loads, k))));
    const second = await Promise.all(wrapped.map((k) => ns.wrap(k, async () => (++loads, k))));
    expect(first.map((r) => r.status)).toEqual(wrapped.map(() => 'miss'));
    expect(second).toEqual(wrapped.map((value) => ({ value, status: 'hit' })));
    expect(loads).toBe(wrapped.length);

    // clear() reaches every primary: SCAN on each, UNLINK per slot.
    await app.manager.clear();
    for (const port of await primaryPorts()) {
      const admin = cluster.admin(port);
      const left = await admin.keys('cache:*').finally(() => admin.disconnect());
      expect(left).toEqual([]);
    }
    expect(app.metrics.redisErrors).toBe(0);
  });

  it('starts on Redis with a seed node down (the seed list names a port nothing listens on)', async () => {
    const env = cluster.env();
    const seeds = `127.0.0.1:28199,${env.REDIS_CLUSTER_NODES}`;
    const other = await startCacheApp({ ...env, REDIS_CLUSTER_NODES: seeds });
    try {
      await sleep(300); // a few slot refreshes and node connections later
      expect(other.cache.mode).toBe('redis');
      await other.cache.set('seed-down', 'ok');
      expect(await other.cache.lookup('seed-down')).toEqual({ value: 'ok', status: 'hit' });
      expect(other.metrics.fallbackActivations).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('CACHE_READ_FROM=replica reads each key from a replica of its own shard', async () => {
    const reader = await startCacheApp({
      ...cluster.env(),
      CACHE_READ_FROM: 'replica',
      CACHE_TIMEOUT_MS: String(CACHE_TIMEOUT_MS),
    });
    try {
      const keys = await keysPerShard('replicated', 2);
      for (const { key } of keys) await app.manager.set(key, key);
      await sleep(100); // replication of the last write
      const replicas = (await cluster.nodes()).filter((n) => n.role === 'slave').map((n) => n.port);
      await Promise.all(keys.map(({ key }) => reader.manager.get(key))); // opens the replicas' connections
      const before = await commandCalls(replicas, 'get');
      expect(await Promise.all(keys.map(({ key }) => reader.manager.get(key)))).toEqual(
        keys.map((k) => k.key),
      );
      const after = await commandCalls(replicas, 'get');
      const grew = replicas.map((port) => after.get(port)! - before.get(port)!);
      expect(grew.reduce((a, b) => a + b, 0)).toBe(keys.length);
      expect(grew.filter((n) => n > 0)).toHaveLength(3); // every shard's replica answered its own keys
    } finally {
      await reader.close();
    }
  });

  it("durable writes: the WAIT goes to the node that owns the key's slot, and is confirmed there", async () => {
    const keys = await keysPerShard('durable', 5);
    const primaries = await primaryPorts();
    const before = await commandCalls(primaries, 'wait');
    const results = await Promise.all(keys.map(({ key }) => app.cache.set(key, key, { waitReplicas: 1 })));
    const after = await commandCalls(primaries, 'wait');
    expect(results.map((r) => r.durable?.confirmed)).toEqual(keys.map(() => true));
    const perPrimary = primaries.map((port) => after.get(port)! - before.get(port)!);
    const expected = primaries.map((port) => keys.filter((k) => k.shard === port).length);
    expect(perPrimary).toEqual(expected); // 5 each: WAIT ran where the key's SET ran
    // Asking more replicas than a shard has is reported unconfirmed, as in sentinel mode.
    const short = await app.cache.set(keys[0].key, 'x', { waitReplicas: 2 });
    expect(short.durable).toMatchObject({ confirmed: false, replicas: 1, reason: 'replicas-timeout' });
  });

  it("SIGKILL of a key's primary right after the durable write's acknowledgement: nothing lost, each shard", async () => {
    const keys = await keysPerShard('killed', 8);
    const report: string[] = [];
    let lost = 0;
    for (const victim of [...new Set(keys.map((k) => k.shard))]) {
      const own = keys.filter((k) => k.shard === victim);
      const value = `written-before-kill-of-${victim}`;
      const results = await Promise.all(own.map(({ key }) => app.cache.set(key, value, { waitReplicas: 1 })));
      const { at } = await cluster.kill(victim); // at once after the last acknowledgement
      try {
        expect(results.map((r) => r.durable?.confirmed)).toEqual(own.map(() => true));
        const { promotedPort, promotedAt } = await cluster.waitForPromotion(victim);
        const read = await Promise.all(own.map(({ redisKey }) => getOn(promotedPort, redisKey)));
        const missing = read.filter((raw) => !raw?.includes(value)).length;
        lost += missing;
        report.push(
          `${victim}->${promotedPort}: ${own.length} keys, ${missing} lost, promoted ${promotedAt - at} ms`,
        );
      } finally {
        await cluster.restart(victim);
        await cluster.waitUntilHealthy();
      }
    }
    console.log(`durable writes through a primary SIGKILL: ${report.join('; ')}`);
    expect(report).toHaveLength(3);
    expect(lost).toBe(0);
  });

  it("SIGKILL of a primary under load: the other shards stay on Redis, the victim's keys are served by the fallback until the promotion", async () => {
    const keys = await keysPerShard('load', 6);
    const victim = keys[0].shard;
    const ns = app.cache.namespace('load');
    const activations = app.metrics.fallbackActivations;
    const calls: Array<{ shard: number; at: number; ms: number; source: string; error?: string }> = [];
    const modes = new Set<string>();
    let running = true;
    const loop = async ({ key, shard }: CacheKey) => {
      for (let i = 0; running; i++) {
        const at = Date.now();
        const r = await timed(async () =>
          i % 2 === 0
            ? (await ns.set(key.slice(5), { i })).stored
            : (await ns.lookup(key.slice(5))).status === 'fallback'
              ? 'fallback'
              : 'redis',
        );
        calls.push({ shard, at, ms: r.ms, source: String(r.value), error: r.error?.message });
        modes.add(app.cache.mode);
        await sleep(5);
      }
    };
    const loops = keys.map(loop);
    await sleep(1000);
    const { at: killedAt } = await cluster.kill(victim);
    let promotedAt = Infinity;
    try {
      promotedAt = (await cluster.waitForPromotion(victim)).promotedAt;
      await sleep(2000);
    } finally {
      running = false;
      await Promise.all(loops);
    }
    try {
      const during = calls.filter((c) => c.at >= killedAt);
      const others = during.filter((c) => c.shard !== victim);
      const own = during.filter((c) => c.shard === victim);
      const resumed = own.find((c) => c.at >= promotedAt && c.source === 'redis');
      const afterwards = own.filter((c) => c.at >= promotedAt + 1000);
      const slowest = (list: typeof calls) => Math.max(...list.map((c) => c.ms));
      const over = (list: typeof calls, ms: number) => list.filter((c) => c.ms > ms).length;
      console.log(
        `load through a primary SIGKILL: promoted ${promotedAt - killedAt} ms after the kill; ` +
          `other shards ${others.length} calls, ${others.filter((c) => c.source !== 'redis').length} not from Redis, slowest ${slowest(others).toFixed(0)} ms; ` +
          `victim ${own.length} calls, ${own.filter((c) => c.source === 'fallback').length} from the fallback, slowest ${slowest(own).toFixed(0)} ms (${over(own, 300)} over 300 ms), ` +
          `back on Redis ${resumed ? resumed.at - promotedAt : 'never'} ms after the promotion; modes ${[...modes].join(',')}; ` +
          JSON.stringify(app.metrics.snapshot()),
      );
      expect(calls.filter((c) => c.error)).toEqual([]); // the cache never rejects because of Redis
      expect(others.filter((c) => c.source !== 'redis')).toEqual([]);
      expect(own.filter((c) => c.source === 'fallback').length).toBeGreaterThan(0);
      expect(slowest(during)).toBeLessThanOrEqual(CACHE_TIMEOUT_MS + SLACK_MS);
      expect(resumed).toBeDefined();
      expect(afterwards.length).toBeGreaterThan(0);
      expect(afterwards.filter((c) => c.source !== 'redis')).toEqual([]);
      expect(app.metrics.fallbackActivations).toBe(activations); // the whole cache never switched
      expect([...modes]).toEqual(['redis']);
      // The writes the fallback took were deleted from Redis after the promotion or overwritten there since, and
      // left no copy in memory.
      expect(app.metrics.fallbackItems).toBe(0);
    } finally {
      await cluster.restart(victim);
      await cluster.waitUntilHealthy();
    }
  });

  it('every node down: the whole cache switches to its memory fallback, and returns to Redis once the cluster is back', async () => {
    const keys = await keysPerShard('outage', 1);
    const ns = app.cache.namespace('outage');
    const name = (k: CacheKey) => k.key.slice('outage:'.length);
    for (const k of keys) await ns.set(name(k), 'before');
    const { recoveries, fallbackActivations } = app.metrics;
    const ports = cluster.ports;
    let switchedMs = -1;
    try {
      for (const port of ports) await cluster.kill(port);
      // Once no node connection of the cluster is ready, the cache switches at once (no call needed to notice).
      switchedMs = await waitUntil('the fallback', () => app.cache.mode === 'fallback', 5000);
      const during = await timed(() => ns.set(name(keys[0]), 'during'));
      expect(during.value).toEqual({ stored: 'fallback' });
      expect(during.ms).toBeLessThan(50); // straight to memory, no Redis call
      expect(await ns.lookup(name(keys[0]))).toEqual({ value: 'during', status: 'fallback' });
      expect(app.metrics.fallbackActivations).toBe(fallbackActivations + 1);
    } finally {
      for (const port of ports) await cluster.restart(port);
      await cluster.waitUntilHealthy();
    }
    const backMs = await waitUntil(
      'the cache back on Redis',
      () => app.cache.mode === 'redis' && app.metrics.recoveries > recoveries,
      20_000,
    );
    console.log(
      `every node down: fallback ${switchedMs} ms after the last kill; back on Redis ${backMs} ms after the cluster was healthy`,
    );
    // The key written during the outage was deleted from Redis (its old value must not come back); the others kept theirs.
    expect(await ns.lookup(name(keys[0]))).toEqual({ value: undefined, status: 'miss' });
    for (const k of keys.slice(1)) expect(await ns.get(name(k))).toBe('before');
  });
});
