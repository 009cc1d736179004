import type Redis from 'ioredis';
import { type CacheApp, sleep, startCacheApp, timed, waitUntil } from './cache-e2e.helpers';
import { LocalCluster } from '../tools/cluster/local-cluster';

const TIMEOUT_MS = 300;
// Timers fire late on a loaded 2-core machine; this is the jitter allowed over a bound, not a second timeout.
const SLACK_MS = 150;
const LOADER_MS = 5;

interface Call {
  op: 'get' | 'set' | 'wrap' | 'managerWrap';
  at: number;
  ms: number;
  error?: string;
}

/** How long each kind of call may take: one bounded Redis call, plus the loader for wrap(). */
const BOUNDS: Record<Call['op'], number> = {
  get: TIMEOUT_MS + SLACK_MS,
  set: TIMEOUT_MS + SLACK_MS,
  // wrap() = one bounded lookup + the loader (its write is not awaited).
  wrap: TIMEOUT_MS + LOADER_MS + SLACK_MS,
  // CACHE_MANAGER.wrap() awaits a lookup and a write, each bounded.
  managerWrap: 2 * TIMEOUT_MS + LOADER_MS + SLACK_MS,
};

/** Workers that keep calling get/set/wrap on a few hundred keys, recording how long every call took. */
class CacheLoad {
  readonly calls: Call[] = [];
  private running = true;
  private readonly workers: Promise<void>[];

  constructor(
    private readonly app: CacheApp,
    concurrency = 8,
  ) {
    this.workers = Array.from({ length: concurrency }, (_, i) => this.work(i));
  }

  async stop(): Promise<Call[]> {
    this.running = false;
    await Promise.all(this.workers);
    return this.calls;
  }

  private async work(worker: number): Promise<void> {
    const loader = async () => {
      await sleep(LOADER_MS);
      return { worker, at: Date.now() };
    };
    for (let i = 0; this.running; i++) {
      const key = `load:${(i * 7 + worker) % 300}`;
      const op = (['get', 'set', 'wrap', 'managerWrap'] as const)[i % 4];
      const at = Date.now();
      const result = await timed(async () => {
        if (op === 'get') return this.app.manager.get(key);
        if (op === 'set') return this.app.manager.set(key, { worker, i });
        if (op === 'wrap') return this.app.cache.wrap(`w${key}`, loader);
        return this.app.manager.wrap(`m${key}`, loader);
      });
      this.calls.push({ op, at, ms: result.ms, error: result.error?.message });
      await sleep(2);
    }
  }
}

function slowest(calls: Call[], op: Call['op']): number {
  return Math.max(0, ...calls.filter((c) => c.op === op).map((c) => c.ms));
}

describe('cache through a failover', () => {
  let cluster: LocalCluster;
  let app: CacheApp;

  beforeAll(async () => {
    cluster = await LocalCluster.start({ basePort: 27210, downAfterMs: 2000, failoverTimeoutMs: 5000 });
    const env = {
      ...cluster.env(),
      REDIS_KEY_PREFIX: 'app:',
      CACHE_TIMEOUT_MS: String(TIMEOUT_MS),
      CACHE_BREAKER_COOLDOWN_MS: '250',
      CACHE_WAIT_REPLICAS_DURABLE: '1',
      CACHE_WAIT_TIMEOUT_MS: '2000', // 200 WAITs at once on a loaded CI machine; the bound under test is CACHE_TIMEOUT_MS
    };
    app = await startCacheApp(env);
  });

  afterAll(async () => {
    await app?.close();
    await cluster?.stop();
  });

  /** Writes `count` durable keys; every one must be confirmed by a replica before the fault. */
  async function writeDurable(tag: string, count: number): Promise<string[]> {
    const durable = app.cache.namespace('durable');
    const keys = Array.from({ length: count }, (_, i) => `${tag}:${i}`);
    const results = await Promise.all(keys.map((key) => durable.set(key, { key }, { ttlSeconds: 600 })));
    expect(results.every((r) => r.stored === 'redis' && r.durable?.confirmed)).toBe(true);
    return keys.map((key) => `cache:v1:durable:${key}`);
  }

  async function expectAllPresent(redisKeys: string[]): Promise<void> {
    const admin: Redis = cluster.admin(await cluster.master());
    try {
      const present = await Promise.all(redisKeys.map((key) => admin.exists(key)));
      expect(present.filter((n) => n !== 1)).toHaveLength(0);
    } finally {
      admin.disconnect();
    }
  }

  /** Runs the load through `fault`, then checks the bounds, the way back to Redis and the durable keys. */
  async function throughFailover(fault: (oldMaster: number) => Promise<void>): Promise<void> {
    const durableKeys = await writeDurable(`before-${Date.now()}`, 200);
    const { fallbackActivations: activations, recoveries } = app.metrics;
    const oldMaster = await cluster.master();
    const load = new CacheLoad(app);
    await sleep(500);
    const sw = cluster.nextSwitch(30_000);
    await sw.ready;
    const faultAt = Date.now();
    await fault(oldMaster);
    const switched = await sw;
    const backAfter = await waitUntil(
      'the cache back on Redis',
      () => app.status.mode === 'redis' && app.metrics.recoveries > recoveries,
      20_000,
    );
    await sleep(1000);
    const calls = await load.stop();

    expect(calls.filter((c) => c.error)).toEqual([]);
    const late = calls
      .filter((c) => c.ms > BOUNDS[c.op])
      .map((c) => `${c.op} took ${c.ms.toFixed(0)} ms at fault+${c.at - faultAt} ms`);
    expect(late).toEqual([]);
    expect(app.metrics.fallbackActivations).toBeGreaterThan(activations);
    expect(app.status.mode).toBe('redis');
    expect(app.metrics.fallbackItems).toBe(0);

    const admin = cluster.admin(switched.to);
    try {
      await app.manager.set('after-failover', 'on the new master');
      expect(await admin.get('cache:v1:after-failover')).toContain('on the new master');
    } finally {
      admin.disconnect();
    }
    await expectAllPresent(durableKeys);
    // For the report: how the cache rode through.
    console.log(
      `${calls.length} calls, slowest get ${slowest(calls, 'get').toFixed(0)} / set ${slowest(calls, 'set').toFixed(0)} / wrap ${slowest(calls, 'wrap').toFixed(0)} / manager.wrap ${slowest(calls, 'managerWrap').toFixed(0)} ms; ` +
        `switch ${switched.from}->${switched.to}; back on Redis ${backAfter} ms after the switch; ${JSON.stringify(app.metrics.snapshot())}`,
    );
  }

  it('SIGKILL of the master: every call answers within the timeout, the cache returns to Redis, durable writes survive', async () => {
    await throughFailover(async () => {
      await cluster.killMaster();
    });
  });

  it('SIGSTOP of the master: same, although the frozen socket never closes', async () => {
    // The killed node of the previous test is restarted first: it must be a replica again before the next fault.
    const stopped = cluster.redisPorts.find((port) => !cluster.isRunning(port));
    if (stopped !== undefined) {
      await cluster.startNode(stopped);
      await cluster.waitForRole(stopped, 'slave', 30_000);
    }
    let paused: number | undefined;
    try {
      await throughFailover(async (oldMaster) => {
        paused = oldMaster;
        await cluster.pause(oldMaster);
      });
    } finally {
      if (paused !== undefined) await cluster.resume(paused);
    }
  });
});
