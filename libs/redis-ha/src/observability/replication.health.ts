import { Inject, Injectable } from '@nestjs/common';
import type { HealthConfig } from '../config/health.config';
import { REDIS_HA_HEALTH_CONFIG } from './observability.constants';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type Redis from 'ioredis';
import { effectiveMinReplicas } from '../config/health.config';
import type { RedisHaConfig } from '../config/redis-ha-options.interface';
import { REDIS_HA_CONFIG, getRedisToken } from '../redis-ha.constants';
import { boundedProbe, reason } from './bounded-probe';
import { probeBudget } from './probe-budget';
import { remoteAddress } from './redis.health';
import { judgeReplication, parseReplicationInfo } from './replication-verdict';
import { SentinelProbe } from './sentinel-probe';
import type { SentinelView } from './sentinel-view';

/**
 * Connected replicas against `HEALTH_MIN_REPLICAS`, each replica's link state and lag in bytes and seconds
 * against `HEALTH_MAX_REPLICATION_LAG_SECONDS`, from `INFO replication` on the writer's master; replicas the
 * sentinels know but the master does not list are named as missing. Answers within `HEALTH_TIMEOUT_MS`.
 */
@Injectable()
export class ReplicationHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(getRedisToken()) private readonly writer: Redis,
    @Inject(REDIS_HA_CONFIG) private readonly config: RedisHaConfig,
    @Inject(REDIS_HA_HEALTH_CONFIG) private readonly settings: HealthConfig,
    private readonly sentinels: SentinelProbe,
  ) {}

  async isHealthy<const Key extends string = 'replication'>(
    key: Key = 'replication' as Key,
  ): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    const { connection } = this.config;
    const health = this.settings;
    const minReplicas = effectiveMinReplicas(health, connection.mode);
    const budget = probeBudget(health.timeoutMs);
    const [info, views] = await Promise.all([
      boundedProbe(this.writer, 'the writer (master)', budget, () => this.writer.info('replication')).then(
        (text) => ({ text }),
        (err: unknown) => ({ error: reason(err) }),
      ),
      this.sentinels.enabled
        ? this.sentinels.snapshot().then((s) => s.views)
        : Promise.resolve([] as SentinelView[]),
    ]);
    if ('error' in info) {
      return indicator.down({ master: remoteAddress(this.writer), minReplicas, message: info.error });
    }
    const parsed = parseReplicationInfo(info.text, connection.natMap);
    const verdict = judgeReplication(parsed, minReplicas, health.maxReplicationLagSeconds, views);
    const data = {
      master: remoteAddress(this.writer),
      role: parsed.role,
      connected: parsed.replicas.length,
      inSync: verdict.inSync,
      minReplicas,
      maxLagSeconds: health.maxReplicationLagSeconds,
      replicas: parsed.replicas,
      missing: verdict.missing,
      degraded: verdict.degraded,
      problems: verdict.problems,
    };
    return verdict.status === 'up' ? indicator.up(data) : indicator.down(data);
  }
}
