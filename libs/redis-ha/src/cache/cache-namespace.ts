import type { Logger } from '@nestjs/common';
import type { CacheMetrics } from './cache-metrics';
import type { CacheEnvelope } from './cache-serializer';
import { refreshLockMs, shouldRefreshEarly } from './early-refresh';
import type { CacheWriteResult } from './cache-results';
import type { RedisHaCacheStore } from './redis-ha-cache-store';
import type { SingleFlight } from './single-flight';

/** `hit` and `miss` come from Redis; `fallback` means Redis was unreachable and the fallback answered. */
export type CacheLookupStatus = 'hit' | 'miss' | 'fallback';

/** A value and where it came from (e.g. for an `x-cache` response header). */
export interface CacheResult<T> {
  value: T;
  status: CacheLookupStatus;
}

export interface CacheSetOptions {
  /** @default the namespace's TTL (`CACHE_TTL_<NS>`), else `CACHE_TTL_SECONDS` */
  ttlSeconds?: number;
  /** Durable write: wait for this many replicas. @default `CACHE_WAIT_REPLICAS_<NS>`, else `CACHE_WAIT_REPLICAS` */
  waitReplicas?: number;
}

export interface CacheWrapOptions {
  /** @default the namespace's TTL (`CACHE_TTL_<NS>`), else `CACHE_TTL_SECONDS` */
  ttlSeconds?: number;
  /** Refresh shortly before expiry (XFetch). @default `CACHE_EARLY_REFRESH` */
  earlyRefresh?: boolean;
}

/** What every namespace of one `RedisHaCache` shares. */
export interface NamespaceContext {
  store: RedisHaCacheStore;
  metrics: CacheMetrics;
  logger: Logger;
  flights: SingleFlight;
  refreshes: SingleFlight;
  earlyRefresh: boolean;
  beta: number;
}

const WARN_EVERY_MS = 10_000;

/**
 * The cache under one key prefix (`holidays:`) with that namespace's TTL, version and durability. Get from
 * `RedisHaCache.namespace(name)`. Its entries are the ones `CACHE_MANAGER` sees under `holidays:<key>`.
 */
export class CacheNamespace {
  private lastWarning = 0;

  constructor(
    /** The name, '' for the root (keys as given). */
    readonly name: string,
    /** Default TTL of this namespace's writes; undefined for the root, where each key's namespace decides. */
    readonly ttlSeconds: number | undefined,
    private readonly ctx: NamespaceContext,
  ) {}

  /** The logical key (what `CACHE_MANAGER` would be given) of `key` in this namespace. */
  key(key: string): string {
    return this.name ? `${this.name}:${key}` : key;
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    return (await this.lookup<T>(key)).value;
  }

  /** Like `get()`, with where the answer came from. */
  async lookup<T = unknown>(key: string): Promise<CacheResult<T | undefined>> {
    const found = await this.ctx.store.get(this.key(key));
    const entry = found.raw === undefined ? undefined : this.decode<T>(found.raw);
    const status = found.source === 'fallback' ? 'fallback' : entry ? 'hit' : 'miss';
    return { value: entry?.value, status };
  }

  /**
   * Stores `value`. Rejects with `CacheSerializationError` / `CacheValueTooLargeError` / `CacheKeyError` on bad
   * input (nothing stored); `undefined` is skipped (`stored: 'skipped'`); never rejects because of Redis.
   */
  async set<T>(key: string, value: T, options: CacheSetOptions = {}): Promise<CacheWriteResult> {
    const ttlMs = this.ttlMs(key, options.ttlSeconds);
    const raw = this.ctx.store.serializer.serialize({ value, expires: Date.now() + ttlMs });
    return this.ctx.store.set(this.key(key), raw, ttlMs, options.waitReplicas);
  }

  async del(key: string): Promise<void> {
    await this.ctx.store.delete(this.key(key));
  }

  /**
   * The cached value of `key`, or the loader's, cached for next time. Concurrent calls for one key in this
   * process share one lookup and one loader run. A value the cache refuses (too large, unserializable) is
   * returned but not cached (counted in `rejectedWrites`, logged at most every 10 s); a loader error rejects
   * and caches nothing. The write after a load is not awaited: the caller waits for the lookup and the loader.
   */
  wrap<T>(
    key: string,
    loader: () => T | Promise<T>,
    options: CacheWrapOptions = {},
  ): Promise<CacheResult<T>> {
    const logical = this.key(key);
    const { promise, joined } = this.ctx.flights.run(logical, () =>
      this.lookupOrLoad(logical, loader, options),
    );
    if (joined) this.ctx.metrics.coalesced++;
    return promise;
  }

  private async lookupOrLoad<T>(
    logical: string,
    loader: () => T | Promise<T>,
    options: CacheWrapOptions,
  ): Promise<CacheResult<T>> {
    const found = await this.ctx.store.get(logical);
    const fallback = found.source === 'fallback';
    const entry = found.raw === undefined ? undefined : this.decode<T>(found.raw);
    if (entry) {
      if ((options.earlyRefresh ?? this.ctx.earlyRefresh) && shouldRefreshEarly(entry, this.ctx.beta)) {
        this.refreshEarly(logical, loader, options, entry);
      }
      return { value: entry.value, status: fallback ? 'fallback' : 'hit' };
    }
    return { value: await this.load(logical, loader, options), status: fallback ? 'fallback' : 'miss' };
  }

  private refreshEarly<T>(
    logical: string,
    loader: () => T | Promise<T>,
    options: CacheWrapOptions,
    entry: CacheEnvelope,
  ): void {
    if (this.ctx.refreshes.has(logical)) return;
    const run = this.ctx.refreshes.run(logical, async () => {
      if (!(await this.ctx.store.tryLock(logical, refreshLockMs(entry)))) return;
      this.ctx.metrics.earlyRefreshes++;
      await this.load(logical, loader, options);
    });
    // A failed refresh leaves the current entry in place until it expires; the error is counted in loaderErrors.
    run.promise.catch(() => undefined);
  }

  private async load<T>(
    logical: string,
    loader: () => T | Promise<T>,
    options: CacheWrapOptions,
  ): Promise<T> {
    const started = performance.now();
    this.ctx.metrics.loaderRuns++;
    let value: T;
    try {
      value = await loader();
    } catch (err) {
      this.ctx.metrics.loaderErrors++;
      throw err;
    }
    const ttlMs = this.ttlMs(logical, options.ttlSeconds, true);
    const delta = Math.max(1, Math.round(performance.now() - started));
    let raw: string;
    try {
      raw = this.ctx.store.serializer.serialize({ value, expires: Date.now() + ttlMs, delta });
    } catch (err) {
      this.warn(
        `wrap("${logical}") returned a value the cache refuses, not cached: ${(err as Error).message}`,
      );
      return value;
    }
    this.ctx.store
      .set(logical, raw, ttlMs)
      .catch((err: Error) => this.warn(`wrap("${logical}") could not cache: ${err.message}`));
    return value;
  }

  private ttlMs(key: string, ttlSeconds: number | undefined, logical = false): number {
    if (ttlSeconds !== undefined) return ttlSeconds * 1000;
    if (this.ttlSeconds !== undefined) return this.ttlSeconds * 1000;
    return this.ctx.store.keys.ttlMs(logical ? key : this.key(key));
  }

  private decode<T>(raw: string): CacheEnvelope<T> | undefined {
    try {
      return this.ctx.store.serializer.deserialize<T>(raw);
    } catch {
      return undefined; // not written by this library: treat as a miss, the next write replaces it
    }
  }

  private warn(message: string): void {
    const now = Date.now();
    if (now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    this.ctx.logger.warn(message);
  }
}
