import { CacheConfig, CacheNamespaceConfig, namespaceId } from '../config/cache.config';
import { CacheKeyError } from '../errors/cache-key.error';

/**
 * The key layout of the cache. A logical key is what the app passes to `CACHE_MANAGER` (`'users:42'`) or what
 * a namespace builds (`namespace('holidays').get('2024')` -> `'holidays:2024'`); its first segment names its
 * namespace. In Redis it becomes `<CACHE_KEY_PREFIX><version>:<logical key>`, the version being the namespace's
 * `CACHE_KEY_VERSION_<NS>` or else `CACHE_KEY_VERSION`: changing a version renames every key it covers, so a
 * deploy invalidates a namespace (or the whole cache) without deleting anything; the old keys expire by TTL.
 */
export class CacheKeys {
  private readonly namespaces: ReadonlyMap<string, CacheNamespaceConfig>;
  private readonly defaultTtlMs: number;
  private readonly defaultPrefix: string;

  constructor(private readonly config: CacheConfig) {
    this.namespaces = new Map(Object.entries(config.namespaces));
    this.defaultTtlMs = config.ttlSeconds * 1000;
    this.defaultPrefix = `${config.keyPrefix}${config.keyVersion}:`;
  }

  /** Settings of the namespace of a logical key (`'holidays:2024'` -> the `holidays` settings), if any. */
  namespaceOf(logicalKey: string): CacheNamespaceConfig | undefined {
    if (this.namespaces.size === 0) return undefined;
    const end = logicalKey.indexOf(':');
    return end > 0 ? this.namespaces.get(namespaceId(logicalKey.slice(0, end))) : undefined;
  }

  settings(namespace: string): CacheNamespaceConfig | undefined {
    return this.namespaces.get(namespaceId(namespace));
  }

  /** The Redis key of a logical key; refuses keys over `CACHE_MAX_KEY_BYTES`. */
  redisKey(logicalKey: string): string {
    const version = this.namespaces.size === 0 ? undefined : this.namespaceOf(logicalKey)?.version;
    const key =
      version === undefined
        ? this.defaultPrefix + logicalKey
        : `${this.config.keyPrefix}${version}:${logicalKey}`;
    if (key.length * 3 > this.config.maxKeyBytes && Buffer.byteLength(key) > this.config.maxKeyBytes) {
      throw new CacheKeyError(
        `"${key.slice(0, 80)}..." is ${Buffer.byteLength(key)} bytes, over CACHE_MAX_KEY_BYTES (${this.config.maxKeyBytes})`,
      );
    }
    return key;
  }

  /** The early-refresh lock of a key: `<prefix>lock:<version>:<logical key>` ("lock" is not a valid version). */
  lockKey(logicalKey: string): string {
    return `${this.config.keyPrefix}lock:${this.redisKey(logicalKey).slice(this.config.keyPrefix.length)}`;
  }

  /** The key the store writes to check that Redis accepts writes again. */
  probeKey(): string {
    return `${this.config.keyPrefix}lock:__probe__`;
  }

  /** TTL of a write that did not give one (or gave 0): the namespace's, else `CACHE_TTL_SECONDS`. */
  ttlMs(logicalKey: string): number {
    const ttl = this.namespaceOf(logicalKey)?.ttlSeconds;
    return ttl === undefined ? this.defaultTtlMs : ttl * 1000;
  }

  /** Replicas a write of this key waits for: the namespace's `CACHE_WAIT_REPLICAS_<NS>`, else `CACHE_WAIT_REPLICAS`. */
  waitReplicas(logicalKey: string): number {
    return this.namespaceOf(logicalKey)?.waitReplicas ?? this.config.waitReplicas;
  }
}
