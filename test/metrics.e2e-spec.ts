import { CACHE_MANAGER, type Cache } from '@nestjs/cache-manager';
import type Redis from 'ioredis';
import { getRedisToken } from '@app/redis-ha';
import { LocalCluster } from '../tools/cluster/local-cluster';
import { addQueue, get, startHealthApp, waitUntil, type HealthApp } from './health-e2e.helpers';
import { parsePrometheusText, sampleValue, type PromFamily } from './metrics-text.helpers';

// testTimeout in jest.config.js sits in a project, where Jest ignores it: cluster starts take longer than 5 s.
jest.setTimeout(180_000);

/** Every family the library exports with its default prefix, and its Prometheus type. */
const FAMILIES: Record<string, string> = {
  redis_ha_command_duration_seconds: 'histogram',
  redis_ha_command_errors_total: 'counter',
  redis_ha_command_timeouts_total: 'counter',
  redis_ha_connection_up: 'gauge',
  redis_ha_connection_losses_total: 'counter',
  redis_ha_failovers_total: 'counter',
  redis_ha_failovers_started_total: 'counter',
  redis_ha_failovers_aborted_total: 'counter',
  redis_ha_last_failover_timestamp_seconds: 'gauge',
  redis_ha_master_info: 'gauge',
  redis_ha_sentinel_up: 'gauge',
  redis_ha_sentinel_quorum_ok: 'gauge',
  redis_ha_sentinels_agree: 'gauge',
  redis_ha_cache_mode: 'gauge',
  redis_ha_cache_mode_transitions_total: 'counter',
  redis_ha_cache_hits_total: 'counter',
  redis_ha_cache_misses_total: 'counter',
  redis_ha_cache_fallback_activations_total: 'counter',
  redis_ha_cache_fallback_hits_total: 'counter',
  redis_ha_cache_recoveries_total: 'counter',
  redis_ha_cache_loader_runs_total: 'counter',
  redis_ha_cache_loader_errors_total: 'counter',
  redis_ha_cache_redis_errors_total: 'counter',
  redis_ha_cache_coalesced_total: 'counter',
  redis_ha_cache_durable_unconfirmed_total: 'counter',
  redis_ha_cache_fallback_items: 'gauge',
  redis_ha_queue_jobs: 'gauge',
  redis_ha_queue_workers: 'gauge',
  redis_ha_queue_jobs_completed_total: 'counter',
  redis_ha_queue_jobs_failed_total: 'counter',
  redis_ha_queue_jobs_stalled_total: 'counter',
  redis_ha_queue_job_duration_seconds: 'histogram',
};

describe('GET /metrics (real cluster)', () => {
  let cluster: LocalCluster;
  let h: HealthApp | undefined;
  let queue: Awaited<ReturnType<typeof addQueue>> | undefined;

  const scrape = async (): Promise<Map<string, PromFamily>> => {
    const res = await get(h!.url, '/metrics');
    expect(res.status).toBe(200);
    return parsePrometheusText(res.text);
  };

  beforeAll(async () => {
    cluster = await LocalCluster.start({ basePort: 27430, downAfterMs: 2000, failoverTimeoutMs: 5000 });
    await cluster.waitUntilHealthy();
    h = await startHealthApp({
      ...cluster.env(),
      REDIS_KEY_PREFIX: 'app:',
      HEALTH_SHUTDOWN_DELAY_MS: '0',
      METRICS_LATENCY_SAMPLE_EVERY: '1', // exact counts below; sampling is unit-tested
    });
    queue = await addQueue(h.app, 'metric-jobs', async (job) => {
      if (job.data.fail) throw new Error('asked to fail');
      return 'ok';
    });
  });

  afterAll(async () => {
    await queue?.close().catch(() => undefined);
    await h?.close().catch(() => undefined);
    await cluster?.stop();
  });

  it('serves the Prometheus text format with every family of the library, typed', async () => {
    const res = await get(h!.url, '/metrics');
    expect(res.status).toBe(200);
    const families = parsePrometheusText(res.text);
    for (const [name, type] of Object.entries(FAMILIES)) {
      expect([name, families.get(name)?.type]).toEqual([name, type]);
      expect(families.get(name)?.help).toBeTruthy();
    }
    const ours = [...families.keys()].filter((n) => n.startsWith('redis_ha_'));
    expect(ours.sort()).toEqual(Object.keys(FAMILIES).sort());
  });

  it('times the writer commands by role, and reports the connections up', async () => {
    const writer = h!.app.get<Redis>(getRedisToken());
    const before =
      sampleValue(await scrape(), 'redis_ha_command_duration_seconds_count', { role: 'writer' }) ?? 0;
    for (let i = 0; i < 100; i++) await writer.set(`metrics:${i}`, 'v');
    const after = await scrape();
    // The scrape's own PING/ROLE do not touch the writer: exactly our 100 commands.
    expect(
      sampleValue(after, 'redis_ha_command_duration_seconds_count', {
        role: 'writer',
        connection: 'default',
      }),
    ).toBe(before + 100);
    expect(
      sampleValue(after, 'redis_ha_command_duration_seconds_bucket', { role: 'writer', le: '+Inf' }),
    ).toBe(before + 100);
    expect(sampleValue(after, 'redis_ha_connection_up', { connection: 'default', role: 'writer' })).toBe(1);
    expect(sampleValue(after, 'redis_ha_connection_up', { connection: 'reader', role: 'reader' })).toBe(1);
  });

  it('reports the master, the sentinels and the quorum; no failover yet', async () => {
    const families = await scrape();
    const master = await cluster.master();
    expect(
      sampleValue(families, 'redis_ha_master_info', {
        address: `127.0.0.1:${master}`,
        master_name: 'mymaster',
      }),
    ).toBe(1);
    for (const port of cluster.sentinelPorts) {
      expect(sampleValue(families, 'redis_ha_sentinel_up', { sentinel: `127.0.0.1:${port}` })).toBe(1);
    }
    expect(sampleValue(families, 'redis_ha_sentinel_quorum_ok')).toBe(1);
    expect(sampleValue(families, 'redis_ha_sentinels_agree')).toBe(1);
    expect(sampleValue(families, 'redis_ha_failovers_total')).toBe(0);
  });

  it('counts cache hits and misses and shows the cache mode', async () => {
    const cache = h!.app.get<Cache>(CACHE_MANAGER);
    const before = await scrape();
    await cache.set('metrics-key', { a: 1 });
    await cache.get('metrics-key');
    await cache.get('metrics-missing');
    const after = await scrape();
    expect(sampleValue(after, 'redis_ha_cache_mode', { mode: 'redis' })).toBe(1);
    expect(sampleValue(after, 'redis_ha_cache_mode', { mode: 'fallback' })).toBe(0);
    expect(sampleValue(after, 'redis_ha_cache_hits_total')).toBe(
      sampleValue(before, 'redis_ha_cache_hits_total')! + 1,
    );
    expect(sampleValue(after, 'redis_ha_cache_misses_total')).toBe(
      sampleValue(before, 'redis_ha_cache_misses_total')! + 1,
    );
  });

  it('counts queue depth per state, completed and failed jobs, job durations and workers', async () => {
    await queue!.worker.pause();
    await queue!.queue.addBulk(Array.from({ length: 5 }, (_, i) => ({ name: 'job', data: { i } })));
    let families = await scrape();
    expect(sampleValue(families, 'redis_ha_queue_jobs', { queue: 'metric-jobs', state: 'waiting' })).toBe(5);
    expect(sampleValue(families, 'redis_ha_queue_workers', { queue: 'metric-jobs', state: 'paused' })).toBe(
      1,
    );
    queue!.worker.resume();
    await queue!.queue.add('job', { fail: true }, { attempts: 1 });
    await waitUntil('5 completed and 1 failed', async () => {
      families = await scrape();
      return (
        sampleValue(families, 'redis_ha_queue_jobs_completed_total', { queue: 'metric-jobs' }) === 5 &&
        sampleValue(families, 'redis_ha_queue_jobs_failed_total', { queue: 'metric-jobs' }) === 1
      );
    });
    expect(sampleValue(families, 'redis_ha_queue_job_duration_seconds_count', { queue: 'metric-jobs' })).toBe(
      5,
    );
    expect(sampleValue(families, 'redis_ha_queue_jobs', { queue: 'metric-jobs', state: 'waiting' })).toBe(0);
    expect(sampleValue(families, 'redis_ha_queue_jobs', { queue: 'metric-jobs', state: 'failed' })).toBe(1);
    expect(
      sampleValue(families, 'redis_ha_queue_workers', { queue: 'metric-jobs', state: 'connected' }),
    ).toBe(1);
    expect(sampleValue(families, 'redis_ha_queue_workers', { queue: 'metric-jobs', state: 'running' })).toBe(
      1,
    );
  });

  it('METRICS_ENABLED=false: /metrics is a 404 and the clients are not instrumented', async () => {
    const off = await startHealthApp({
      ...cluster.env(),
      REDIS_KEY_PREFIX: 'app:',
      METRICS_ENABLED: 'false',
      HEALTH_SHUTDOWN_DELAY_MS: '0',
    });
    try {
      const res = await get(off.url, '/metrics');
      expect(res.status).toBe(404);
      expect(res.body.message).toBe('Metrics are disabled (METRICS_ENABLED=false)');
      const writer = off.app.get<Redis>(getRedisToken());
      // Only the command deadline's guard (never write a settled command), no timing wrapper around it.
      expect(writer.sendCommand.name).toBe('guardedSend');
      expect((await get(off.url, '/health/ready')).status).toBe(200);
    } finally {
      await off.close();
    }
  });
});
