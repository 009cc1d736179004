import type { RedisOptions } from 'ioredis';
import type { RedisHaConfig } from '../config/redis-ha-options.interface';
import type { RedisHaConnectionFactory } from '../connection/redis-ha-connection.factory';
import { TrackedClient } from './tracked-client';

/**
 * The cache's ioredis clients, made by `RedisHaConnectionFactory` (which owns and closes them):
 * - `cache` (writer role): every write, and the reads unless `CACHE_READ_FROM` sends them to replicas;
 *   auto-pipelined, each command bounded by `CACHE_TIMEOUT_MS`.
 * - `cache-reader` (reader role, replicas), only when `CACHE_READ_FROM` is not `master` in sentinel mode.
 * - `cache-durable` (writer role), created on the first durable write: `WAIT` holds its connection until the
 *   replicas answer, so it must not sit in front of other commands; bounded by the timeout plus the wait.
 * None carries `REDIS_KEY_PREFIX`: the cache's keys have their own prefix (`CACHE_KEY_PREFIX`).
 */
export class CacheConnections {
  readonly writer: TrackedClient;
  readonly reader?: TrackedClient;
  private durableClient?: TrackedClient;

  constructor(
    private readonly factory: RedisHaConnectionFactory,
    private readonly config: RedisHaConfig,
  ) {
    const { timeoutMs, readFrom } = config.cache;
    this.writer = new TrackedClient(factory.create('writer', 'cache', overrides(timeoutMs, true)));
    if (readFrom !== 'master' && config.connection.mode === 'sentinel') {
      const options = { ...overrides(timeoutMs, true), role: 'slave' as const };
      this.reader = new TrackedClient(factory.create('reader', 'cache-reader', options));
    }
  }

  get durable(): TrackedClient {
    const { timeoutMs, waitTimeoutMs } = this.config.cache;
    this.durableClient ??= new TrackedClient(this.factory.create('writer', 'cache-durable', overrides(timeoutMs + waitTimeoutMs, false)));
    return this.durableClient;
  }

  /**
   * Connects the writer (and starts the reader) at startup, within the connect timeout; rejects with the
   * reason when Redis is not reachable. With `REDIS_LAZY_CONNECT` it does not wait.
   */
  async connect(): Promise<void> {
    this.reader?.client.connect().catch(() => undefined);
    const client = this.writer.client;
    const connecting = client.status === 'wait' ? client.connect() : Promise.resolve();
    const { lazyConnect, connectTimeoutMs } = this.config.connection;
    if (lazyConnect) return void connecting.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not ready within ${connectTimeoutMs} ms`)), connectTimeoutMs);
    });
    try {
      await Promise.race([connecting, bound]);
    } finally {
      clearTimeout(timer);
    }
  }

  dispose(): void {
    for (const conn of [this.writer, this.reader, this.durableClient]) conn?.dispose();
  }
}

function overrides(commandTimeout: number, enableAutoPipelining: boolean): RedisOptions {
  return { keyPrefix: '', commandTimeout, enableAutoPipelining };
}
