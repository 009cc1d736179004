import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { CacheConfig } from '../config/cache.config';
import type { RedisHaConfig } from '../config/redis-ha-options.interface';
import { RedisHaConnectionFactory } from '../connection/redis-ha-connection.factory';
import { REDIS_HA_CONFIG } from '../redis-ha.constants';
import { REDIS_HA_TOPOLOGY, type Topology } from '../topology/topology';
import { CACHE_LOGGER_CONTEXT, REDIS_HA_CACHE_CONFIG } from './cache.constants';
import { CacheKeys } from './cache-keys';
import { CacheMetrics } from './cache-metrics';
import { CacheSerializer, SKIP_ENTRY } from './cache-serializer';
import { CacheMode, CacheStatus } from './cache-status';
import { CacheConnections } from './cache-connections';
import { type CacheReadResult, type CacheWriteResult, MISS, SKIPPED, STORED } from './cache-results';
import { READ_ENTRY, READ_RAW, READ_RESULT, READ_VALUE, readAnswer, type ReadAs } from './read-answer';
import { clearCache, countedDurableSet, redisRecovery, takeLock, viaRedis } from './writer-commands';
import { FallbackController } from './fallback-controller';
import { RecentWrites } from './recent-writes';
import type { TrackedClient } from './tracked-client';

/**
 * The cache's storage over the library's HA connections (`CacheConnections`), used by `CACHE_MANAGER` (through
 * Keyv) and by `RedisHaCache`: key layout, read routing with read-your-writes, durable writes, and the switch to
 * the fallback. Reads and writes never throw because Redis is unreachable: they fall back.
 */
@Injectable()
export class RedisHaCacheStore implements OnModuleInit, OnModuleDestroy {
  readonly keys: CacheKeys;
  readonly serializer: CacheSerializer;
  private readonly config: CacheConfig;
  private readonly logger = new Logger(CACHE_LOGGER_CONTEXT);
  private readonly fallback: FallbackController;
  private readonly recent: RecentWrites;
  private readonly connections?: CacheConnections;
  private readonly writer?: TrackedClient;
  private readonly reader?: TrackedClient;
  private closing = false;

  constructor(
    // Explicit tokens everywhere: runners without decorator metadata (tsx, esbuild, vitest) resolve them too.
    @Inject(REDIS_HA_CONFIG) root: RedisHaConfig,
    @Inject(REDIS_HA_CACHE_CONFIG) config: CacheConfig,
    @Inject(RedisHaConnectionFactory) factory: RedisHaConnectionFactory,
    @Inject(CacheStatus) private readonly status: CacheStatus,
    @Inject(CacheMetrics) private readonly metrics: CacheMetrics,
    @Inject(REDIS_HA_TOPOLOGY) topology: Topology,
  ) {
    this.config = config;
    this.keys = new CacheKeys(this.config);
    this.serializer = new CacheSerializer(this.config.maxValueBytes, () => this.metrics.rejectedWrites++);
    this.recent = new RecentWrites(this.config.readYourWritesMs);
    const recovery = redisRecovery(() => this.writer?.client, this.keys);
    // On a cluster, one dead shard does not switch the whole cache to the fallback (shardLocal).
    const shardLocal = topology.kind === 'cluster';
    this.fallback = new FallbackController(config, status, metrics, recovery, this.logger, shardLocal);
    if (this.config.enabled) {
      this.connections = new CacheConnections(factory, root.connection, config, topology);
      this.connections.switchOnClose(this.fallback, () => this.closing);
      this.writer = this.connections.writer;
      this.reader = this.connections.reader;
    }
  }

  /** `redis`, `fallback` or `disabled`, as in `CacheStatus`. */
  get mode(): CacheMode {
    return this.writer ? (this.fallback.active ? 'fallback' : 'redis') : 'disabled';
  }

  /** Startup never fails because of the cache: without Redis it starts on the fallback. */
  async onModuleInit(): Promise<void> {
    if (!this.connections) return this.status.initial('disabled');
    this.status.initial('redis');
    await this.connections
      .connect()
      .catch((err: Error) => this.fallback.trip(`Redis unreachable at startup (${err.message})`));
  }

  onModuleDestroy(): void {
    this.closing = true;
    this.fallback.stop();
    this.connections?.dispose();
  }

  get(key: string): Promise<CacheReadResult> {
    return this.read(key, READ_RESULT) as Promise<CacheReadResult>;
  }

  /** `get()` without the source: what the Keyv adapter's store answers. */
  getRaw(key: string): Promise<string | undefined> {
    return this.read(key, READ_RAW) as Promise<string | undefined>;
  }

  /** The decoded value (or entry) as Keyv's `get()` answers it: `CACHE_MANAGER`'s hot path, one async step. */
  getDecoded(key: string, entry: boolean): Promise<unknown> {
    return this.read(key, entry ? READ_ENTRY : READ_VALUE);
  }

  private async read(key: string, as: ReadAs): Promise<unknown> {
    if (!this.writer) return as === READ_RESULT ? MISS.disabled : undefined;
    const redisKey = this.keys.redisKey(key);
    if (!this.fallback.active) {
      let raw: string | null | undefined;
      try {
        raw = await this.readerFor(key).client.get(redisKey);
        this.fallback.success();
      } catch (err) {
        this.fallback.failure(err);
      }
      if (raw !== undefined) {
        this.metrics[raw === null ? 'misses' : 'hits']++;
        return readAnswer(raw ?? undefined, 'redis', as, this.serializer);
      }
    }
    return readAnswer(this.fallback.get(key), 'fallback', as, this.serializer);
  }

  /**
   * Stores a serialized entry for `ttlMs` (when absent or <= 0: the namespace's TTL, else `CACHE_TTL_SECONDS`).
   * `waitReplicas` (default: the namespace's or `CACHE_WAIT_REPLICAS`) > 0 makes the write durable.
   */
  set(key: string, raw: string, ttlMs?: number, waitReplicas?: number): Promise<CacheWriteResult> {
    return this.write(key, raw, ttlMs, waitReplicas, false) as Promise<CacheWriteResult>;
  }

  /** Keyv's `set()` (`CACHE_MANAGER`'s hot path), in the write's one async step; bad input throws here. */
  setValue(key: string, value: unknown, ttlMs: number): Promise<boolean> {
    const raw = this.serializer.serializeEntry(value, Date.now() + ttlMs);
    return this.write(key, raw, ttlMs, undefined, true) as Promise<boolean>;
  }

  /** `set()`, answering `true` instead of the result when `asTrue`. */
  private async write(key: string, raw: string, ttlMs?: number, waitReplicas?: number, asTrue = false) {
    if (!this.writer) return asTrue || SKIPPED;
    if (raw === SKIP_ENTRY) {
      this.metrics.skippedWrites++;
      return asTrue || SKIPPED;
    }
    const redisKey = this.keys.redisKey(key);
    const ttl = ttlMs !== undefined && ttlMs > 0 ? Math.ceil(ttlMs) : this.keys.ttlMs(key);
    if (this.reader) this.recent.note(key);
    if (!this.fallback.active) {
      try {
        const wait = waitReplicas ?? this.keys.waitReplicas(key);
        const durable = wait > 0 ? await this.durableSet(redisKey, raw, ttl, wait) : undefined;
        if (!durable) await this.writer.client.set(redisKey, raw, 'PX', ttl);
        this.fallback.success();
        this.fallback.written(key);
        this.metrics.sets++;
        return asTrue || (durable ? { stored: 'redis', durable } : STORED);
      } catch (err) {
        this.fallback.failure(err);
      }
    }
    this.fallback.set(key, raw, ttl);
    this.metrics.fallbackSets++;
    return asTrue || { stored: this.fallback.memory ? 'fallback' : 'dropped' };
  }

  private durableSet(redisKey: string, raw: string, ttl: number, wait: number) {
    return countedDurableSet(this.connections!.durable, this.config, this.metrics, redisKey, raw, ttl, wait);
  }

  async delete(key: string): Promise<boolean> {
    if (!this.writer) return false;
    const redisKey = this.keys.redisKey(key);
    if (this.reader) this.recent.note(key);
    this.fallback.delete(key);
    this.metrics.deletes++;
    const client = this.writer.client;
    const removed = await viaRedis(this.fallback, () => client.del(redisKey), undefined);
    if (removed === undefined) {
      this.fallback.mustInvalidate(key); // on the fallback, or Redis failed: delete it once Redis is back
      return true;
    }
    this.fallback.written(key);
    return removed > 0;
  }

  /** Deletes every key under `CACHE_KEY_PREFIX` (all versions) and empties the fallback. */
  async clear(): Promise<void> {
    await clearCache(this.writer?.client, this.fallback, this.config.keyPrefix, this.logger);
  }

  /**
   * Takes the cross-process early-refresh lock of `key` for `ttlMs`: true when this process should refresh.
   * Without Redis there is no one to coordinate with, so the answer is true.
   */
  tryLock(key: string, ttlMs: number): Promise<boolean> {
    const writer = this.writer?.client;
    return viaRedis(this.fallback, writer && (() => takeLock(writer, this.keys.lockKey(key), ttlMs)), true);
  }

  private readerFor(key: string): TrackedClient {
    const writer = this.writer!;
    if (!this.reader || this.recent.has(key)) return writer;
    return this.config.readFrom === 'replica' || this.reader.ready ? this.reader : writer;
  }
}
