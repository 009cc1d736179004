import { Injectable } from '@nestjs/common';
import type { HealthIndicatorFunction } from '@nestjs/terminus';
import { CacheHealthIndicator } from './cache.health';
import { ClusterHealthIndicator } from './cluster.health';
import { ClusterProbe } from './cluster-probe';
import { QueueHealthIndicator } from './queue.health';
import { RedisHealthIndicator } from './redis.health';
import { ReplicationHealthIndicator } from './replication.health';
import { SentinelHealthIndicator } from './sentinel.health';
import { SentinelProbe } from './sentinel-probe';

/**
 * The library's indicators grouped for the two questions an orchestrator asks, for the ready-made controller
 * or an app's own (`health.check(redisHa.readiness())`).
 */
@Injectable()
export class RedisHaHealth {
  constructor(
    readonly redis: RedisHealthIndicator,
    readonly sentinels: SentinelHealthIndicator,
    readonly replication: ReplicationHealthIndicator,
    readonly queues: QueueHealthIndicator,
    readonly cache: CacheHealthIndicator,
    private readonly sentinelProbe: SentinelProbe,
    readonly cluster: ClusterHealthIndicator,
    private readonly clusterProbe: ClusterProbe,
  ) {}

  /**
   * Can this instance do its work now: the writer answers and is a master, and the cache is on Redis or on a
   * fallback that `HEALTH_READY_ALLOW_CACHE_FALLBACK` allows, and a majority of the sentinels names the master
   * (else writes are held: the minority side of a partition). Sentinel quorum as such, replicas and queue
   * backlogs are not part of it: they do not make this pod unable to serve, and failing them would pull every
   * pod out of the load balancer at once. In cluster mode `cluster` replaces `redis`: every slot of the app's
   * keys (`HEALTH_CLUSTER_READY_KEYS`, default all) has a primary that answers and takes queries.
   */
  readiness(): HealthIndicatorFunction[] {
    const redis = this.clusterProbe.enabled
      ? () => this.cluster.isHealthy('cluster')
      : () => this.redis.isHealthy('redis');
    return [redis, () => this.cache.isHealthy('cache')];
  }

  /**
   * Every indicator, for `GET /health`: readiness plus sentinels (in sentinel mode), replication and queues. In
   * cluster mode, readiness: the `cluster` indicator reports every shard's primary and replicas.
   */
  detailed(): HealthIndicatorFunction[] {
    if (this.clusterProbe.enabled) return this.readiness();
    return [
      ...this.readiness(),
      ...(this.sentinelProbe.enabled ? [() => this.sentinels.isHealthy('sentinels')] : []),
      () => this.replication.isHealthy('replication'),
      () => this.queues.isHealthy('queues'),
    ];
  }
}
