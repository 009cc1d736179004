import { Injectable } from '@nestjs/common';

/** The counters of `CacheMetrics`, as a plain object (`snapshot()`). All are totals since startup. */
export interface CacheCounters {
  /** Reads that found a value (from Redis or from the memory fallback). */
  hits: number;
  /** Reads that found nothing. */
  misses: number;
  /** Part of `hits` served by the memory fallback. */
  fallbackHits: number;
  /** Part of `misses` answered by the fallback (Redis unreachable). */
  fallbackMisses: number;
  /** Writes stored in Redis. */
  sets: number;
  /** Writes stored in the memory fallback (or dropped with `CACHE_FALLBACK=none`) because Redis was unreachable. */
  fallbackSets: number;
  /** Deletes. */
  deletes: number;
  /** Writes of `undefined`: skipped by design, nothing stored. */
  skippedWrites: number;
  /** Writes refused as bad input (unserializable, over `CACHE_MAX_VALUE_BYTES`). */
  rejectedWrites: number;
  /** Redis calls of the cache that failed (errors and timeouts). */
  redisErrors: number;
  /** Part of `redisErrors` that hit `CACHE_TIMEOUT_MS`. */
  timeouts: number;
  /** Switches from Redis to the fallback. */
  fallbackActivations: number;
  /** Switches from the fallback back to Redis. */
  recoveries: number;
  /** Keys written or deleted while on the fallback, deleted from Redis on the way back. */
  invalidationsReplayed: number;
  /** Loader runs of `RedisHaCache` `wrap()` (misses and early refreshes). */
  loaderRuns: number;
  /** Loader runs that threw. */
  loaderErrors: number;
  /** `wrap()`/`get()` calls that joined a lookup or load already in flight for the same key (single-flight). */
  coalesced: number;
  /** Early refreshes started (XFetch decided and this process won the refresh lock). */
  earlyRefreshes: number;
  /** Durable writes (`WAIT`) confirmed by the required number of replicas. */
  durableConfirmed: number;
  /** Durable writes not confirmed in time. */
  durableUnconfirmed: number;
  /** Durable writes re-sent because the `SET` and its `WAIT` were answered on different connections. */
  durableRetries: number;
}

/**
 * Counters of the cache for metrics exporters (Prometheus counters, except `fallbackItems`, a gauge). Read the
 * fields or `snapshot()`; the cache's mode (`redis` / `fallback` / `disabled`) is in `CacheStatus`.
 */
@Injectable()
export class CacheMetrics implements CacheCounters {
  hits = 0;
  misses = 0;
  fallbackHits = 0;
  fallbackMisses = 0;
  sets = 0;
  fallbackSets = 0;
  deletes = 0;
  skippedWrites = 0;
  rejectedWrites = 0;
  redisErrors = 0;
  timeouts = 0;
  fallbackActivations = 0;
  recoveries = 0;
  invalidationsReplayed = 0;
  loaderRuns = 0;
  loaderErrors = 0;
  coalesced = 0;
  earlyRefreshes = 0;
  durableConfirmed = 0;
  durableUnconfirmed = 0;
  durableRetries = 0;
  /** Gauge: entries in the memory fallback now. */
  fallbackItems = 0;

  snapshot(): CacheCounters & { fallbackItems: number } {
    return { ...this };
  }
}
