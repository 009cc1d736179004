import { Inject, Injectable } from '@nestjs/common';
import type { HealthConfig } from '../config/health.config';
import { REDIS_HA_HEALTH_CONFIG } from './observability.constants';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { CacheStatus } from '../cache/cache-status';

/**
 * Where the cache serves from: `redis`, `fallback` (Redis unreachable, the in-memory fallback answers) or
 * `disabled`. The fallback is `up` with `degraded: true` while `HEALTH_READY_ALLOW_CACHE_FALLBACK` allows it
 * (the default: a pod that still answers from memory should stay in the load balancer), `down` otherwise.
 */
@Injectable()
export class CacheHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly status: CacheStatus,
    @Inject(REDIS_HA_HEALTH_CONFIG) private readonly settings: HealthConfig,
  ) {}

  isHealthy<const Key extends string = 'cache'>(key: Key = 'cache' as Key): HealthIndicatorResult<Key> {
    const indicator = this.health.check(key);
    const { mode, since, transitions } = this.status;
    const data = { mode, since: since.toISOString(), transitions };
    if (mode !== 'fallback') return indicator.up(data);
    const allowed = this.settings.readyAllowsCacheFallback;
    const message = 'Redis unreachable: the cache serves from its in-memory fallback';
    return allowed
      ? indicator.up({ ...data, degraded: true, message })
      : indicator.down({ ...data, message: `${message} (HEALTH_READY_ALLOW_CACHE_FALLBACK=false)` });
  }
}
