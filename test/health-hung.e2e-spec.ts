import { LocalCluster } from '../tools/cluster/local-cluster';
import { addQueue, get, startHealthApp, type HealthApp, type HttpResult } from './health-e2e.helpers';

// testTimeout in jest.config.js sits in a project, where Jest ignores it: failovers take longer than 5 s.
jest.setTimeout(180_000);

const TIMEOUT_MS = 1000;
const PATHS = ['/health/live', '/health/ready', '/health', '/metrics'];

describe('health with a hung (SIGSTOP) master (real cluster)', () => {
  let cluster: LocalCluster;
  let h: HealthApp | undefined;
  let queue: Awaited<ReturnType<typeof addQueue>> | undefined;
  let paused: number | undefined;

  beforeAll(async () => {
    cluster = await LocalCluster.start({ basePort: 27420, downAfterMs: 2000, failoverTimeoutMs: 5000 });
    await cluster.waitUntilHealthy();
    h = await startHealthApp({
      ...cluster.env(),
      REDIS_KEY_PREFIX: 'app:',
      HEALTH_TIMEOUT_MS: String(TIMEOUT_MS),
      HEALTH_SHUTDOWN_DELAY_MS: '0',
    });
    // A queue too, so that /health and /metrics also count jobs on the hung master.
    queue = await addQueue(h.app, 'hung-jobs');
  });

  afterAll(async () => {
    if (paused !== undefined) await cluster.resume(paused).catch(() => undefined);
    await queue?.close().catch(() => undefined);
    await h?.close().catch(() => undefined);
    await cluster?.stop();
  });

  it('every endpoint answers within HEALTH_TIMEOUT_MS + 100 ms from the hang until after the failover', async () => {
    for (const path of PATHS) expect([path, (await get(h!.url, path)).status]).toEqual([path, 200]);
    const master = await cluster.master();
    const switched = cluster.nextSwitch(30_000);
    await switched.ready;
    await cluster.pause(master);
    paused = master;
    const pausedAt = Date.now();

    // Each endpoint polled back to back by its own loop, so a slow answer cannot hide behind another's.
    const results: Array<HttpResult & { path: string; at: number }> = [];
    let until = Date.now() + 30_000;
    switched.then(() => (until = Date.now() + 1500)).catch(() => undefined);
    await Promise.all(
      PATHS.map(async (path) => {
        while (Date.now() < until) {
          const at = Date.now();
          results.push({ ...(await get(h!.url, path, 5000)), path, at });
        }
      }),
    );
    const sw = await switched;

    for (const path of PATHS) {
      const mine = results.filter((r) => r.path === path);
      const slowest = Math.max(...mine.map((r) => r.ms));
      if (process.env.HEALTH_E2E_FIGURES) {
        process.stdout.write(`${path}: ${mine.length} requests, slowest ${slowest.toFixed(1)} ms\n`);
      }
      expect(mine.length).toBeGreaterThan(2);
      expect(slowest).toBeLessThanOrEqual(TIMEOUT_MS + 100);
    }
    // The hang was seen: ready said 503 while the master was stopped, and live never did.
    const during = results.filter((r) => r.at > pausedAt && r.at < sw.at);
    expect(during.some((r) => r.path === '/health/ready' && r.status === 503)).toBe(true);
    expect(results.filter((r) => r.path === '/health/live' && r.status !== 200)).toEqual([]);
    expect(results.every((r) => r.status !== 0)).toBe(true);
  });
});
