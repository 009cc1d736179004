import { Inject, Injectable, Logger } from '@nestjs/common';
import { isValidNamespace, namespaceId } from '../config/cache.config';
import type { CacheConfig } from '../config/cache.config';
import { CacheKeyError } from '../errors/cache-key.error';
import { CACHE_LOGGER_CONTEXT, REDIS_HA_CACHE_CONFIG } from './cache.constants';
import { CacheMetrics } from './cache-metrics';
import {
  CacheNamespace,
  type CacheResult,
  type CacheSetOptions,
  type CacheWrapOptions,
  type NamespaceContext,
} from './cache-namespace';
import type { CacheMode } from './cache-status';
import type { CacheWriteResult } from './cache-results';
import { RedisHaCacheStore } from './redis-ha-cache-store';
import { SingleFlight } from './single-flight';

/**
 * The cache with namespaces, results that say hit / miss / fallback, stampede protection and durable writes,
 * on the same storage as `CACHE_MANAGER`:
 *
 * ```ts
 * constructor(private readonly cache: RedisHaCache) {}
 * const { value, status } = await this.cache.namespace('holidays').wrap(`${country}:${year}`, () => this.load(country, year));
 * res.setHeader('x-cache', status);
 * ```
 */
@Injectable()
export class RedisHaCache {
  private readonly namespaces = new Map<string, CacheNamespace>();
  private readonly ctx: NamespaceContext;
  private readonly root: CacheNamespace;

  constructor(
    // Explicit tokens: runners without decorator metadata (tsx, esbuild, vitest) resolve them too.
    @Inject(RedisHaCacheStore) private readonly store: RedisHaCacheStore,
    @Inject(CacheMetrics) metrics: CacheMetrics,
    @Inject(REDIS_HA_CACHE_CONFIG) private readonly config: CacheConfig,
  ) {
    const { earlyRefresh, earlyRefreshBeta } = config;
    const logger = new Logger(CACHE_LOGGER_CONTEXT);
    this.ctx = {
      store,
      metrics,
      logger,
      flights: new SingleFlight(),
      refreshes: new SingleFlight(),
      earlyRefresh,
      beta: earlyRefreshBeta,
    };
    this.root = new CacheNamespace('', undefined, this.ctx);
  }

  /** `redis`, `fallback` (Redis unreachable) or `disabled` (`CACHE_ENABLED=false`). */
  get mode(): CacheMode {
    return this.store.mode;
  }

  /**
   * The namespace `name` (1-64 of `A-Z a-z 0-9 _ -`): keys `name:<key>`, TTL `CACHE_TTL_<NAME>`, version
   * `CACHE_KEY_VERSION_<NAME>`, durability `CACHE_WAIT_REPLICAS_<NAME>` (NAME upper-cased, `-` as `_`).
   */
  namespace(name: string): CacheNamespace {
    let ns = this.namespaces.get(name);
    if (ns) return ns;
    if (!isValidNamespace(name))
      throw new CacheKeyError(`namespace "${name}" must be 1-64 of A-Z a-z 0-9 _ -`);
    const settings = this.config.namespaces[namespaceId(name)];
    ns = new CacheNamespace(name, settings?.ttlSeconds ?? this.config.ttlSeconds, this.ctx);
    this.namespaces.set(name, ns);
    return ns;
  }

  /** Keys outside any namespace (as `CACHE_MANAGER` would see them); see `CacheNamespace`. */
  get<T = unknown>(key: string): Promise<T | undefined> {
    return this.root.get<T>(key);
  }

  lookup<T = unknown>(key: string): Promise<CacheResult<T | undefined>> {
    return this.root.lookup<T>(key);
  }

  set<T>(key: string, value: T, options?: CacheSetOptions): Promise<CacheWriteResult> {
    return this.root.set(key, value, options);
  }

  del(key: string): Promise<void> {
    return this.root.del(key);
  }

  wrap<T>(key: string, loader: () => T | Promise<T>, options?: CacheWrapOptions): Promise<CacheResult<T>> {
    return this.root.wrap(key, loader, options);
  }
}
