import type { Logger } from '@nestjs/common';
import type { CacheConfig } from '../config/cache.config';
import type { CacheMetrics } from './cache-metrics';
import type { CacheStatus } from './cache-status';
import { CircuitBreaker } from './circuit-breaker';
import { MemoryLru } from './memory-lru';
import type { RedisRecovery } from './redis-recovery';

const REPLAY_BATCH = 500;
/** After a failed replay of invalidations (a shard still down), the next successful call retries it this much later. */
const REPLAY_RETRY_MS = 100;

const isTimeout = (err: unknown) => err instanceof Error && /timed out/i.test(err.message);

/**
 * Decides whether the cache talks to Redis or to its fallback, and owns the fallback: a circuit breaker over
 * Redis calls, the memory LRU (`CACHE_FALLBACK=memory`), and the keys written or deleted while Redis was not
 * reachable. While open it probes Redis every `CACHE_BREAKER_COOLDOWN_MS` (and at once when the connection is
 * ready again); on success it deletes those keys from Redis (Redis still holds their older values, and other
 * processes may have written newer ones, so deleting is the only safe merge), drops the memory and switches back.
 * Each switch is logged once, counted, and published in `CacheStatus`.
 *
 * `shardLocal` (cluster mode): a failure counts towards the breaker only when no call succeeded within the last
 * `CACHE_TIMEOUT_MS`: one dead shard fails its own keys' calls (each answered by the fallback), not the cache; when
 * all fail, it opens as in sentinel mode (or at once at the cluster client's `close`: every node connection gone).
 */
export class FallbackController {
  readonly memory?: MemoryLru;
  private readonly breaker: CircuitBreaker;
  private readonly invalidations = new Set<string>();
  private invalidationsDropped = 0;
  private timer?: NodeJS.Timeout;
  private probing = false;
  private replaying = false;
  private stopped = false;
  private lastError = '';
  private lastSuccessAt = 0;
  private replayAfter = 0;

  constructor(
    private readonly config: CacheConfig,
    private readonly status: CacheStatus,
    private readonly metrics: CacheMetrics,
    private readonly redis: RedisRecovery,
    private readonly logger: Logger,
    private readonly shardLocal = false,
  ) {
    this.breaker = new CircuitBreaker(config.breakerThreshold);
    if (config.fallback === 'memory') this.memory = new MemoryLru(config.fallbackMaxItems);
  }

  /** True while calls go to the fallback. */
  get active(): boolean {
    return this.breaker.isOpen;
  }

  /** A Redis call succeeded. Leftover invalidations (from a failure that did not open the breaker) go now. */
  success(): void {
    if (this.shardLocal) this.lastSuccessAt = Date.now();
    this.breaker.success();
    if (
      this.invalidations.size > 0 &&
      !this.replaying &&
      !this.breaker.isOpen &&
      Date.now() >= this.replayAfter
    )
      void this.replay().catch(() => (this.replayAfter = Date.now() + REPLAY_RETRY_MS));
  }

  /** A Redis call failed or timed out. */
  failure(err: unknown): void {
    this.metrics.redisErrors++;
    if (isTimeout(err)) this.metrics.timeouts++;
    this.lastError = err instanceof Error ? err.message : String(err);
    if (this.shardLocal && Date.now() - this.lastSuccessAt < this.config.timeoutMs) return;
    if (this.breaker.failure())
      this.activate(`${this.breaker.threshold} consecutive Redis calls failed (last: ${this.lastError})`);
  }

  /** Switches to the fallback now (the connection closed, or Redis was unreachable at startup). */
  trip(reason: string): void {
    if (this.stopped) return;
    if (this.breaker.trip()) this.activate(reason);
  }

  /** The connection is ready again: probe now instead of at the next tick. */
  probeSoon(): void {
    if (this.breaker.isOpen) void this.probe();
  }

  /** `key` was written to Redis: an invalidation noted for it earlier is moot, a copy in memory is older. */
  written(key: string): void {
    if (this.invalidations.size > 0) this.invalidations.delete(key);
    if (this.memory?.size) this.delete(key);
  }

  /** A read served by the fallback (a miss with `CACHE_FALLBACK=none`), counted as hit or miss. */
  get(key: string): string | undefined {
    const raw = this.memory?.get(key);
    if (raw === undefined) {
      this.metrics.misses++;
      this.metrics.fallbackMisses++;
    } else {
      this.metrics.hits++;
      this.metrics.fallbackHits++;
    }
    return raw;
  }

  set(key: string, raw: string, ttlMs: number): void {
    this.mustInvalidate(key);
    this.memory?.set(key, raw, ttlMs);
    this.metrics.fallbackItems = this.memory?.size ?? 0;
  }

  delete(key: string): void {
    if (this.memory?.delete(key)) this.metrics.fallbackItems = this.memory.size;
  }

  /** Redis may hold an outdated value for `key`: delete it there before serving from Redis again. */
  mustInvalidate(key: string): void {
    if (this.invalidations.size >= this.config.fallbackMaxItems && !this.invalidations.has(key)) {
      this.invalidationsDropped++;
      return;
    }
    this.invalidations.add(key);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private activate(reason: string): void {
    this.metrics.fallbackActivations++;
    this.status.set('fallback');
    const serving = this.memory
      ? `the memory fallback (${this.config.fallbackMaxItems} items max)`
      : 'misses (CACHE_FALLBACK=none)';
    this.logger.warn(`Cache switched from Redis to ${serving}: ${reason}`);
    if (!this.timer && !this.stopped) {
      this.timer = setInterval(() => void this.probe(), this.config.breakerCooldownMs);
      this.timer.unref();
    }
  }

  private async probe(): Promise<void> {
    if (this.probing || this.stopped || !this.breaker.isOpen) return;
    this.probing = true;
    try {
      await this.redis.probe();
      await this.replay();
      if (!this.stopped && this.breaker.isOpen) this.recover();
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
    } finally {
      this.probing = false;
    }
  }

  /** Deletes from Redis every key noted, including those noted while a batch was in flight. */
  private async replay(): Promise<void> {
    this.replaying = true;
    try {
      while (this.invalidations.size > 0) {
        const batch = [...this.invalidations].slice(0, REPLAY_BATCH);
        await this.redis.invalidate(batch);
        // Gone from Redis: no copy in memory may be served later either (when open, recover() drops them all).
        const open = this.breaker.isOpen;
        for (const key of batch) void (open ? this.invalidations.delete(key) : this.written(key));
        this.metrics.invalidationsReplayed += batch.length;
      }
    } finally {
      this.replaying = false;
    }
  }

  private recover(): void {
    const downMs = this.breaker.openForMs;
    const items = this.memory?.size ?? 0;
    this.breaker.close();
    this.memory?.clear();
    this.metrics.fallbackItems = 0;
    this.metrics.recoveries++;
    this.status.set('redis');
    clearInterval(this.timer);
    this.timer = undefined;
    const dropped = this.invalidationsDropped;
    this.invalidationsDropped = 0;
    const lost =
      dropped > 0
        ? `; ${dropped} keys written during the outage were over CACHE_FALLBACK_MAX_ITEMS and could not be invalidated (they expire by TTL)`
        : '';
    this.logger.log(
      `Cache back on Redis after ${downMs} ms; memory fallback dropped (${items} items)${lost}`,
    );
  }
}
