import { LocalCluster } from '../tools/cluster/local-cluster';
import { addQueue, get, startHealthApp, waitUntil, type HealthApp } from './health-e2e.helpers';

// testTimeout in jest.config.js sits in a project, where Jest ignores it: failovers take longer than 5 s.
jest.setTimeout(180_000);

/**
 * The indicators on a real cluster: healthy, one replica down, two of three sentinels down, and the drain on
 * shutdown. Failover and hang scenarios are in health-failover / health-hung.
 */
describe('health endpoints (real cluster)', () => {
  let cluster: LocalCluster;
  let h: HealthApp | undefined;
  let queue: Awaited<ReturnType<typeof addQueue>> | undefined;

  beforeAll(async () => {
    cluster = await LocalCluster.start({ basePort: 27400, downAfterMs: 2000, failoverTimeoutMs: 5000 });
    await cluster.waitUntilHealthy();
    h = await startHealthApp({
      ...cluster.env(),
      REDIS_KEY_PREFIX: 'app:',
      HEALTH_TIMEOUT_MS: '1000',
      HEALTH_MIN_REPLICAS: '2',
      HEALTH_SHUTDOWN_DELAY_MS: '1500',
    });
    queue = await addQueue(h.app, 'health-jobs');
  });

  afterAll(async () => {
    await queue?.close().catch(() => undefined);
    await h?.close().catch(() => undefined);
    await cluster?.stop();
  });

  it('healthy cluster: live and ready 200, the detailed report lists every indicator up', async () => {
    await queue!.queue.add('job', { n: 1 });
    const live = await get(h!.url, '/health/live');
    expect(live.status).toBe(200);
    expect(live.body.status).toBe('ok');

    const ready = await get(h!.url, '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ok');
    expect(Object.keys(ready.body.details).sort()).toEqual(['cache', 'redis']);
    const master = await cluster.master();
    expect(ready.body.details.redis).toMatchObject({
      status: 'up',
      role: 'master',
      address: `127.0.0.1:${master}`,
    });
    expect(ready.body.details.redis.pingMs).toBeLessThan(1000);
    expect(ready.body.details.cache).toMatchObject({ status: 'up', mode: 'redis' });

    const report = await get(h!.url, '/health');
    expect(report.status).toBe(200);
    const details = report.body.details;
    expect(Object.keys(details).sort()).toEqual(['cache', 'queues', 'redis', 'replication', 'sentinels']);
    for (const [key, value] of Object.entries(details))
      expect([key, (value as any).status]).toEqual([key, 'up']);
    expect(details.sentinels).toMatchObject({
      reachable: 3,
      configured: 3,
      quorum: 2,
      quorumOk: true,
      agree: true,
    });
    expect(details.sentinels.master).toBe(`127.0.0.1:${master}`);
    expect(details.replication).toMatchObject({ connected: 2, inSync: 2, minReplicas: 2, missing: [] });
    for (const replica of details.replication.replicas) {
      expect(replica).toMatchObject({ state: 'online' });
      expect(replica.lagSeconds).toBeLessThanOrEqual(10);
    }
    expect(details.queues.queues['health-jobs']).toMatchObject({
      status: 'up',
      workers: { total: 1, running: 1, connected: 1 },
    });
  });

  it('one replica stopped: replication reports it against HEALTH_MIN_REPLICAS, readiness stays 200', async () => {
    const master = await cluster.master();
    const replica = cluster.redisPorts.find((p) => p !== master)!;
    await cluster.stopNode(replica);
    try {
      let report = await get(h!.url, '/health');
      await waitUntil(
        'replication down',
        async () => {
          report = await get(h!.url, '/health');
          return report.body?.details?.replication?.status === 'down';
        },
        10_000,
      );
      expect(report.status).toBe(503);
      const replication = report.body.details.replication;
      expect(replication).toMatchObject({ connected: 1, inSync: 1, minReplicas: 2 });
      expect(replication.problems[0]).toBe('1 replica(s) connected and in sync, HEALTH_MIN_REPLICAS is 2');
      expect(replication.missing).toEqual([`127.0.0.1:${replica}`]);
      expect(report.body.details.redis.status).toBe('up');
      expect((await get(h!.url, '/health/ready')).status).toBe(200);
    } finally {
      await cluster.startNode(replica);
    }
    await cluster.waitForRole(replica, 'slave');
    await waitUntil(
      'replication up again',
      async () => (await get(h!.url, '/health')).body?.details?.replication?.status === 'up',
    );
  });

  it('two of three sentinels stopped: quorum lost in the report; readiness 503 (no sentinel majority: the minority side, as far as this pod can tell) until they are back', async () => {
    await cluster.stopSentinel(1);
    await cluster.stopSentinel(2);
    try {
      const report = await get(h!.url, '/health');
      expect(report.status).toBe(503);
      const sentinels = report.body.details.sentinels;
      expect(sentinels).toMatchObject({ status: 'down', reachable: 1, configured: 3, quorumOk: false });
      expect(sentinels.problems.join('\n')).toMatch(/quorum lost/);
      expect(sentinels.problems.join('\n')).toMatch(/2 of 3 sentinels do not answer/);
      // The write lease needs a majority of the sentinels to name the master within 1.5 s.
      await waitUntil('readiness 503 without a sentinel majority', async () => {
        const ready = await get(h!.url, '/health/ready');
        return ready.status === 503 && /no majority of the sentinels/.test(JSON.stringify(ready.body));
      });
    } finally {
      await cluster.startSentinel(1);
      await cluster.startSentinel(2);
    }
    await waitUntil('ready again', async () => (await get(h!.url, '/health/ready')).status === 200);
    await waitUntil('sentinels up again', async () => {
      const s = (await get(h!.url, '/health')).body?.details?.sentinels;
      return s?.status === 'up' && s.reachable === 3 && !s.degraded;
    });
  });

  it('shutdown: readiness says 503 for HEALTH_SHUTDOWN_DELAY_MS before the app closes; live stays 200', async () => {
    expect((await get(h!.url, '/health/ready')).status).toBe(200);
    await queue!.close();
    queue = undefined;
    const started = Date.now();
    const closing = h!.close('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    const ready = await get(h!.url, '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('shutting_down');
    expect((await get(h!.url, '/health/live')).status).toBe(200);
    await closing;
    h = undefined;
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
  });
});
