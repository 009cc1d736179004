import { Injectable } from '@nestjs/common';
import type { HealthIndicatorFunction } from '@nestjs/terminus';
import { CacheHealthIndicator } from './cache.health';
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
  ) {}

  /**
   * Can this instance do its work now: the writer answers and is a master, and the cache is on Redis or on a
   * fallback that `HEALTH_READY_ALLOW_CACHE_FALLBACK` allows, and a majority of the sentinels names the master
   * (else writes are held: the minority side of a partition). Sentinel quorum as such, replicas and queue
   * backlogs are not part of it: they do not make this pod unable to serve, and failing them would pull every
   * pod out of the load balancer at once.
   */
  readiness(): HealthIndicatorFunction[] {
    return [() => this.redis.isHealthy('redis'), () => this.cache.isHealthy('cache')];
  }

  /** Every indicator, for `GET /health`: readiness plus sentinels (in sentinel mode), replication and queues. */
  detailed(): HealthIndicatorFunction[] {
    return [
      ...this.readiness(),
      ...(this.sentinelProbe.enabled ? [() => this.sentinels.isHealthy('sentinels')] : []),
      () => this.replication.isHealthy('replication'),
      () => this.queues.isHealthy('queues'),
    ];
  }
}
