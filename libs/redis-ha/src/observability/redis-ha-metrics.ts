import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { RedisHaConfig } from '../config/redis-ha-options.interface';
import { REDIS_HA_CONFIG } from '../redis-ha.constants';
import type { HealthConfig } from '../config/health.config';
import { REDIS_HA_HEALTH_CONFIG } from './observability.constants';
import { Registry, collectDefaultMetrics, register as globalRegistry } from 'prom-client';
import { CacheMetrics } from '../cache/cache-metrics';
import { CacheStatus } from '../cache/cache-status';
import { RedisHaConnectionFactory } from '../connection/redis-ha-connection.factory';
import { RedisHaEvents } from '../events/redis-ha-events';
import { QueueActivity } from './queue-activity';
import { SentinelProbe } from './sentinel-probe';
import { ClusterProbe } from './cluster-probe';
import { ClusterMetrics } from './cluster-metrics';
import { readySlotsOf } from './cluster-verdict';
import { QueueRegistry } from '../queue/queue-registry';
import { registerCacheMetrics } from './cache-metrics.collector';
import { CommandMetrics } from './command-metrics';
import { FailoverMetrics } from './failover-metrics';
import { QueueMetrics } from './queue-metrics';

/**
 * The library's Prometheus metrics (prefix `METRICS_PREFIX`, default `redis_ha_`) in a registry of its own,
 * served by `GET /metrics` of `RedisHaHealthModule`. Metrics registered by the app on prom-client's default
 * registry are appended to the same scrape. `METRICS_ENABLED=false` registers nothing and instruments nothing.
 */
@Injectable()
export class RedisHaMetrics implements OnModuleInit, OnApplicationShutdown {
  /** The library's registry, for apps that serve metrics themselves (`await registry.metrics()`). */
  readonly registry = new Registry();
  private failovers: FailoverMetrics | undefined;
  private cluster: ClusterMetrics | undefined;

  constructor(
    @Inject(REDIS_HA_CONFIG) private readonly config: RedisHaConfig,
    @Inject(REDIS_HA_HEALTH_CONFIG) private readonly settings: HealthConfig,
    private readonly factory: RedisHaConnectionFactory,
    private readonly events: RedisHaEvents,
    private readonly cacheStatus: CacheStatus,
    private readonly queues: QueueRegistry,
    private readonly activity: QueueActivity,
    private readonly sentinels: SentinelProbe,
    private readonly cacheCounters: CacheMetrics,
    private readonly clusterProbe: ClusterProbe,
  ) {}

  get enabled(): boolean {
    return this.settings.metricsEnabled;
  }

  /** Content type of `metrics()`: Prometheus text format 0.0.4. */
  get contentType(): string {
    return this.registry.contentType;
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    const {
      metricsPrefix: prefix,
      metricsLatencyBuckets,
      metricsLatencySampleEvery,
      timeoutMs,
      metricsDefault,
    } = this.settings;
    const commands = new CommandMetrics(metricsLatencyBuckets, metricsLatencySampleEvery);
    commands.registerOn(this.registry, prefix);
    this.factory.addClientHook(commands.hook);
    this.failovers = new FailoverMetrics(this.config, this.events, this.sentinels);
    this.failovers.registerOn(this.registry, prefix);
    this.failovers.start();
    if (this.clusterProbe.enabled) {
      const readySlots = readySlotsOf(this.settings.clusterReadyKeys);
      this.cluster = new ClusterMetrics(this.clusterProbe, this.events, readySlots);
      this.cluster.registerOn(this.registry, prefix);
      this.cluster.start();
    }
    registerCacheMetrics(this.registry, prefix, this.cacheStatus, this.cacheCounters);
    new QueueMetrics(this.queues, this.activity, timeoutMs).registerOn(this.registry, prefix);
    if (metricsDefault) collectDefaultMetrics({ register: this.registry });
  }

  onApplicationShutdown(): void {
    this.failovers?.stop();
    this.cluster?.stop();
  }

  /** The scrape: the library's metrics, then the app's from prom-client's default registry. */
  async metrics(): Promise<string> {
    const own = await this.registry.metrics();
    if (globalRegistry.getMetricsAsArray().length === 0) return own;
    return `${own}\n${await globalRegistry.metrics()}`;
  }
}
