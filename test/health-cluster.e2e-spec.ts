import type { Cluster } from 'ioredis';
import { getRedisToken } from '@app/redis-ha';
import { LocalRedisCluster } from '../tools/cluster/redis-cluster';
import { get, sleep, startHealthApp, waitUntil, type HealthApp, type HttpResult } from './health-e2e.helpers';
import { parsePrometheusText, sampleValue, type PromFamily } from './metrics-text.helpers';

/**
 * Health and metrics on a real Redis Cluster: 3 primaries + 3 replicas from redis/redis-cluster.conf
 * (cluster-node-timeout 2000, cluster-require-full-coverage no), ports 28500-28505 (buses 18500-18505).
 * Two apps: `all` (readiness needs every slot, the default) and `keyed` (HEALTH_CLUSTER_READY_KEYS = one key on a
 * shard that is not faulted). Each turn of the indicators and metrics is timed from the fault.
 */
const TIMEOUT_MS = 1000;

interface Poll {
  t: number;
  ready: HttpResult;
  keyedReady: HttpResult;
  health: HttpResult;
  metrics: Map<string, PromFamily>;
}

describe('Health and metrics on Redis Cluster', () => {
  let cluster: LocalRedisCluster;
  let all: HealthApp;
  let keyed: HealthApp;
  let password: string;

  beforeAll(async () => {
    cluster = await LocalRedisCluster.start({ basePort: 28500, nodeTimeoutMs: 2000 });
    const env: Record<string, string> = {
      ...cluster.env(),
      HEALTH_TIMEOUT_MS: String(TIMEOUT_MS),
      METRICS_LATENCY_SAMPLE_EVERY: '1', // every command timed: counts are exact
    };
    password = env.REDIS_PASSWORD;
    // The keyed app's key lives on the shard of slot 16383; the faults below hit the shard of slot 0.
    const key = await cluster.keyOnShard(await cluster.primaryOfSlot(16383), 'app:ready:');
    all = await startHealthApp(env, { cache: false });
    keyed = await startHealthApp({ ...env, HEALTH_CLUSTER_READY_KEYS: key }, { cache: false });
  }, 60_000);
  afterAll(async () => {
    await all?.close();
    await keyed?.close();
    await cluster?.stop();
  });

  async function poll(): Promise<Poll> {
    const [ready, keyedReady, health, metrics] = await Promise.all([
      get(all.url, '/health/ready'),
      get(keyed.url, '/health/ready'),
      get(all.url, '/health'),
      get(all.url, '/metrics'),
    ]);
    return { t: Date.now(), ready, keyedReady, health, metrics: parsePrometheusText(metrics.text) };
  }

  const shardOf = (p: Poll, label: string) =>
    (p.health.body?.details?.cluster?.shards ?? []).find((s: { shard: string }) => s.shard === label);
  const metric = (p: Poll, name: string, labels: Record<string, string> = {}) =>
    sampleValue(p.metrics, `redis_ha_${name}`, labels);

  it('healthy: ready, the cluster up with 3 shards each with a replica, the metrics say so, no secret', async () => {
    const p = await poll();
    expect(p.ready.status).toBe(200);
    expect(p.keyedReady.status).toBe(200);
    expect((await get(all.url, '/health/live')).status).toBe(200);
    const report = p.health.body.details.cluster;
    expect(report).toMatchObject({
      status: 'up',
      state: 'ok',
      slots: { assigned: 16384, ok: 16384, pfail: 0, fail: 0 },
      readySlots: 'all',
      unservedSlots: 0,
      agree: true,
      degraded: false,
      problems: [],
    });
    expect(report.shards).toHaveLength(3);
    for (const shard of report.shards) {
      expect(shard).toMatchObject({
        serving: true,
        replicas: [expect.stringMatching(/^127\.0\.0\.1:285\d\d$/)],
      });
      expect(shard.rttMs).toBeLessThan(TIMEOUT_MS);
    }
    expect((await get(keyed.url, '/health')).body.details.cluster.readySlots).toBe(1);
    expect(metric(p, 'cluster_state')).toBe(1);
    expect(metric(p, 'cluster_ready')).toBe(1);
    expect(metric(p, 'cluster_slots', { state: 'ok' })).toBe(16384);
    for (const shard of report.shards) {
      expect(metric(p, 'cluster_shard_up', { shard: shard.shard })).toBe(1);
      expect(metric(p, 'cluster_shard_replicas', { shard: shard.shard })).toBe(1);
      expect(metric(p, 'cluster_shard_primary_info', { shard: shard.shard, address: shard.primary })).toBe(1);
    }
    for (const text of [p.health.text, p.ready.text, (await get(all.url, '/metrics')).text]) {
      expect(text).not.toContain(password);
    }
  });

  it('command metrics of the cluster clients: every command counted once, as the caller sees it', async () => {
    const writer = all.app.get<Cluster>(getRedisToken());
    const labels = { connection: 'default', role: 'writer' };
    const count = async () => {
      const metrics = parsePrometheusText((await get(all.url, '/metrics')).text);
      return sampleValue(metrics, 'redis_ha_command_duration_seconds_count', labels) ?? 0;
    };
    const before = await count();
    const keys = await Promise.all(
      [0, 8000, 16383].map(async (slot) => cluster.keyOnShard(await cluster.primaryOfSlot(slot), 'app:m:')),
    );
    for (let i = 0; i < 30; i++) await writer.set(keys[i % 3], String(i));
    await expect(writer.eval('return redis.call("NOPE")', 0)).rejects.toThrow();
    const metrics = parsePrometheusText((await get(all.url, '/metrics')).text);
    expect((sampleValue(metrics, 'redis_ha_command_duration_seconds_count', labels) ?? 0) - before).toBe(31);
    expect(sampleValue(metrics, 'redis_ha_command_errors_total', labels)).toBe(1);
    expect(sampleValue(metrics, 'redis_ha_connection_up', labels)).toBe(1);
    expect(await count()).toBe(before + 31); // the health probes go to the nodes, not through the writer
  });

  it('SIGKILL of a primary: down while its shard fails over, pfail/fail, the promotion, degraded until it is back', async () => {
    const victim = await cluster.primaryOfSlot(0);
    const before = await poll();
    const label = before.health.body.details.cluster.shards.find(
      (s: { primary: string }) => s.primary === `127.0.0.1:${victim}`,
    ).shard;
    const { at } = await cluster.kill(victim);
    const promotion = cluster.waitForPromotion(victim);
    const seen: Record<string, number> = {};
    const mark = (what: string, when: boolean, p: Poll) => {
      if (when && seen[what] === undefined) seen[what] = p.t - at;
    };
    let keyedWorst = 200;
    let promoted: { promotedPort: number; promotedAt: number } | undefined;
    void promotion.then((p) => (promoted = p));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const p = await poll();
      const shard = shardOf(p, label);
      const report = p.health.body?.details?.cluster;
      if (p.keyedReady.status !== 200) keyedWorst = p.keyedReady.status;
      mark('ready 503', p.ready.status === 503, p);
      mark('shard not serving', shard?.serving === false, p);
      mark('metric shard_up 0', metric(p, 'cluster_shard_up', { shard: label }) === 0, p);
      mark('metric ready 0', metric(p, 'cluster_ready') === 0, p);
      mark('slots pfail', (report?.slots?.pfail ?? 0) > 0, p);
      mark('slots fail', (report?.slots?.fail ?? 0) > 0, p);
      mark('metric slots pfail', (metric(p, 'cluster_slots', { state: 'pfail' }) ?? 0) > 0, p);
      mark('metric slots fail', (metric(p, 'cluster_slots', { state: 'fail' }) ?? 0) > 0, p);
      mark('primaries disagree (not asserted: may last less than a poll)', report?.agree === false, p);
      const back = promoted && shard?.primary === `127.0.0.1:${promoted.promotedPort}` && shard.serving;
      if (back && p.ready.status === 200) {
        mark('ready 200 on the promoted replica', true, p);
        mark('degraded: no replica', report.degraded && shard.replicas.length === 0, p);
        mark('metric replicas 0', metric(p, 'cluster_shard_replicas', { shard: label }) === 0, p);
        mark('metric shard_up back 1', metric(p, 'cluster_shard_up', { shard: label }) === 1, p);
        mark('metric ready back 1', metric(p, 'cluster_ready') === 1, p);
        mark('metric master change', metric(p, 'cluster_master_changes_total', { shard: label }) === 1, p);
        // /metrics reuses a snapshot up to 1 s old: its turns may come one scrape after /health's.
        const turns = [
          'degraded: no replica',
          'metric replicas 0',
          'metric master change',
          'metric shard_up back 1',
          'metric ready back 1',
        ];
        if (turns.every((turn) => seen[turn] !== undefined)) break;
      }
      await sleep(100);
    }
    await promotion;
    console.log(
      `cluster health through a SIGKILL of ${victim} (shard ${label}), ms from the kill: promotion ` +
        `${promoted!.promotedAt - at}; ${JSON.stringify(seen)}; keyed app's worst ready status ${keyedWorst}`,
    );
    expect(seen['ready 503']).toBeLessThan(TIMEOUT_MS + 1000);
    expect(seen['shard not serving']).toBeLessThan(TIMEOUT_MS + 1000);
    expect(seen['metric shard_up 0']).toBeLessThan(TIMEOUT_MS + 1000);
    expect(seen['metric ready 0']).toBeDefined();
    expect(seen['slots pfail'] ?? seen['slots fail']).toBeDefined();
    expect(seen['metric slots pfail'] ?? seen['metric slots fail']).toBeDefined();
    expect(seen['ready 200 on the promoted replica'] - (promoted!.promotedAt - at)).toBeLessThan(2000);
    expect(seen['degraded: no replica']).toBeDefined();
    expect(seen['metric replicas 0']).toBeDefined();
    expect(seen['metric master change']).toBeDefined();
    expect(seen['metric shard_up back 1']).toBeDefined();
    expect(seen['metric ready back 1']).toBeDefined();
    // The keyed app's key is on another shard: its readiness never turned.
    expect(keyedWorst).toBe(200);

    const restartedAt = Date.now();
    await cluster.restart(victim);
    const healed = await waitUntil('the shard to have its replica again', async () => {
      const p = await poll();
      const shard = shardOf(p, label);
      return (
        shard?.replicas.includes(`127.0.0.1:${victim}`) &&
        metric(p, 'cluster_shard_replicas', { shard: label }) === 1 &&
        p.health.body.details.cluster.degraded === false
      );
    });
    console.log(
      `the old primary ${victim} back as the shard's replica, not degraded: ${healed} ms after its restart`,
    );
    expect(Date.now() - restartedAt).toBeLessThan(30_000);
    await cluster.waitUntilHealthy();
  }, 90_000);

  it('SIGSTOP of a primary (hung): reported within the probe bound, no endpoint hangs', async () => {
    const frozen = await cluster.primaryOfSlot(0);
    const { at } = await cluster.pause(frozen);
    const slowest: Record<string, number> = {};
    let notServing: number | undefined;
    let readyAfterReport = 0;
    let message = '';
    try {
      // 1.5 s: below cluster-node-timeout, so no failover; the probes must still not wait on the frozen node.
      while (Date.now() - at < 1500) {
        const results = await Promise.all(
          ['/health/live', '/health/ready', '/health', '/metrics'].map(async (path) => {
            const r = await get(all.url, path);
            slowest[path] = Math.max(slowest[path] ?? 0, Math.round(r.ms));
            return r;
          }),
        );
        const shard = (results[2].body?.details?.cluster?.shards ?? []).find(
          (s: { primary: string }) => s.primary === `127.0.0.1:${frozen}`,
        );
        if (notServing !== undefined)
          readyAfterReport = Math.max(readyAfterReport, Math.round(results[1].ms));
        if (shard && !shard.serving && notServing === undefined) {
          notServing = Date.now() - at;
          message = shard.error;
        }
      }
    } finally {
      await cluster.resume(frozen);
    }
    console.log(
      `a SIGSTOPped primary ${frozen}: reported not serving ${notServing} ms after the stop (${message}); ` +
        `slowest response per route (ms): ${JSON.stringify(slowest)}; slowest ready after that: ${readyAfterReport}`,
    );
    // The unanswered probe is remembered: later checks answer at once instead of waiting on the frozen node.
    expect(readyAfterReport).toBeLessThan(TIMEOUT_MS / 2); // not the bound again (a loaded CI box adds ~200 ms)
    expect(notServing).toBeLessThan(TIMEOUT_MS + 300);
    expect(message).toMatch(/did not answer within|has not answered a probe/);
    for (const ms of Object.values(slowest)) expect(ms).toBeLessThan(TIMEOUT_MS + 300);
    expect(slowest['/health/live']).toBeLessThan(TIMEOUT_MS / 2); // never waits on Redis
    await waitUntil('ready again', async () => (await get(all.url, '/health/ready')).status === 200);
    await cluster.waitUntilHealthy();
  }, 60_000);
});
