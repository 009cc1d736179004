import {
  type CacheNamespaceConfig,
  checkVersion,
  mergeNamespaces,
  parseNamespaces,
} from './cache-namespaces.config';
import type { EnvReader } from './env-reader';

export { isValidNamespace, namespaceId, type CacheNamespaceConfig } from './cache-namespaces.config';

/** Where cache reads go: the master, replicas only, or replicas when one is connected. */
export type CacheReadFrom = 'master' | 'replica' | 'replica-preferred';
/** What serves the cache while Redis is unreachable. */
export type CacheFallback = 'memory' | 'none';

/** Validated cache settings (`CACHE_*`). */
export interface CacheConfig {
  /** `CACHE_ENABLED`. When off, `CACHE_MANAGER` still exists but stores nothing. @default true */
  enabled: boolean;
  /** `CACHE_KEY_PREFIX`: first part of every Redis key of the cache (the ACL `app` user owns `cache:*`). @default 'cache:' */
  keyPrefix: string;
  /** `CACHE_KEY_VERSION`: second part of every key; change it on deploy to invalidate the whole cache. @default 'v1' */
  keyVersion: string;
  /** `CACHE_TTL_SECONDS`: TTL of a key set without one (every key gets a TTL: `redis/` relies on it). @default 300 */
  ttlSeconds: number;
  /** Per namespace settings, from `CACHE_TTL_<NS>`, `CACHE_KEY_VERSION_<NS>`, `CACHE_WAIT_REPLICAS_<NS>`. @default {} */
  namespaces: Record<string, CacheNamespaceConfig>;
  /** `CACHE_READ_FROM`: where reads go; a process reads its own recent writes from the master. @default 'master' */
  readFrom: CacheReadFrom;
  /** `CACHE_READ_YOUR_WRITES_MS`: how long reads of a key this process wrote go to the master. @default 2000 */
  readYourWritesMs: number;
  /** `CACHE_FALLBACK`: `memory` serves a bounded in-process LRU while Redis is down; `none` misses. @default 'memory' */
  fallback: CacheFallback;
  /** `CACHE_FALLBACK_MAX_ITEMS`: size of the memory fallback (least recently used entries go first). @default 10000 */
  fallbackMaxItems: number;
  /** `CACHE_TIMEOUT_MS`: bound of one Redis call of the cache; past it the call is answered by the fallback. @default 500 */
  timeoutMs: number;
  /** `CACHE_BREAKER_THRESHOLD`: consecutive failed calls that switch the cache to the fallback. @default 3 */
  breakerThreshold: number;
  /** `CACHE_BREAKER_COOLDOWN_MS`: while on the fallback, Redis is probed this often (and when it reconnects). @default 1000 */
  breakerCooldownMs: number;
  /** `CACHE_WAIT_REPLICAS`: a write returns once this many replicas confirmed it (`WAIT`); 0 = no wait. @default 0 */
  waitReplicas: number;
  /** `CACHE_WAIT_TIMEOUT_MS`: how long a durable write waits for the replicas. @default 1000 */
  waitTimeoutMs: number;
  /** `CACHE_MAX_VALUE_BYTES`: larger serialized values are refused with `CacheValueTooLargeError`. @default 1048576 */
  maxValueBytes: number;
  /** `CACHE_MAX_KEY_BYTES`: longer keys are refused with `CacheKeyError`. @default 1024 */
  maxKeyBytes: number;
  /** `CACHE_EARLY_REFRESH`: `wrap()` refreshes hot keys shortly before they expire (XFetch, one process at a time). @default true */
  earlyRefresh: boolean;
  /** `CACHE_EARLY_REFRESH_BETA`: XFetch's beta; above 1 refreshes earlier, below 1 later. @default 1 */
  earlyRefreshBeta: number;
}

const READ_FROM: readonly CacheReadFrom[] = ['master', 'replica', 'replica-preferred'];
const FALLBACKS: readonly CacheFallback[] = ['memory', 'none'];
function parseBeta(reader: EnvReader): number | undefined {
  const found = reader.raw('CACHE_EARLY_REFRESH_BETA');
  if (!found) return undefined;
  const value = Number(found.value);
  if (!/^\d+(\.\d+)?$/.test(found.value)) {
    reader.fail(found.name, `must be a positive number such as 1 or 0.5, got "${found.value}"`);
    return undefined;
  }
  return reader.checkRange(found.name, value, 0.01, 100) ? value : undefined;
}

/** Checks the numbers given in `forRoot({ cache })`, which skipped the environment's parsing. */
function checkOptions(reader: EnvReader, options: Partial<CacheConfig>): void {
  const ranges: Array<[keyof CacheConfig, number, number]> = [
    ['ttlSeconds', 1, 31_536_000],
    ['readYourWritesMs', 0, 60_000],
    ['fallbackMaxItems', 1, 10_000_000],
    ['timeoutMs', 10, 60_000],
    ['breakerThreshold', 1, 1000],
    ['breakerCooldownMs', 50, 600_000],
    ['waitReplicas', 0, 10],
    ['waitTimeoutMs', 10, 60_000],
    ['maxValueBytes', 1, 512 * 1024 * 1024],
    ['maxKeyBytes', 16, 65_536],
    ['earlyRefreshBeta', 0.01, 100],
  ];
  for (const [field, min, max] of ranges) {
    const value = options[field];
    if (value !== undefined)
      reader.checkRange(`RedisHaCacheModule.register({ ${field} })`, value as number, min, max);
  }
  if (options.readFrom !== undefined && !READ_FROM.includes(options.readFrom)) {
    reader.fail('RedisHaCacheModule.register({ readFrom })', `must be one of ${READ_FROM.join(' | ')}`);
  }
  if (options.fallback !== undefined && !FALLBACKS.includes(options.fallback)) {
    reader.fail('RedisHaCacheModule.register({ fallback })', `must be one of ${FALLBACKS.join(' | ')}`);
  }
  checkVersion(reader, 'RedisHaCacheModule.register({ keyVersion })', options.keyVersion);
}

export function parseCacheConfig(reader: EnvReader, options: Partial<CacheConfig> = {}): CacheConfig {
  checkOptions(reader, options);
  const keyPrefix = options.keyPrefix ?? reader.string('CACHE_KEY_PREFIX') ?? 'cache:';
  if (/\s/.test(keyPrefix) || keyPrefix.length > 64) {
    reader.fail(
      options.keyPrefix !== undefined ? 'RedisHaCacheModule.register({ keyPrefix })' : 'CACHE_KEY_PREFIX',
      'must be at most 64 characters without spaces',
    );
  }
  const config: CacheConfig = {
    enabled: options.enabled ?? reader.bool('CACHE_ENABLED') ?? true,
    keyPrefix,
    keyVersion:
      options.keyVersion ??
      checkVersion(reader, 'CACHE_KEY_VERSION', reader.string('CACHE_KEY_VERSION')) ??
      'v1',
    ttlSeconds: options.ttlSeconds ?? reader.int('CACHE_TTL_SECONDS', { min: 1, max: 31_536_000 }) ?? 300,
    namespaces: mergeNamespaces(reader, parseNamespaces(reader), options.namespaces),
    readFrom: options.readFrom ?? reader.oneOf('CACHE_READ_FROM', READ_FROM) ?? 'master',
    readYourWritesMs:
      options.readYourWritesMs ?? reader.int('CACHE_READ_YOUR_WRITES_MS', { min: 0, max: 60_000 }) ?? 2000,
    fallback: options.fallback ?? reader.oneOf('CACHE_FALLBACK', FALLBACKS) ?? 'memory',
    fallbackMaxItems:
      options.fallbackMaxItems ??
      reader.int('CACHE_FALLBACK_MAX_ITEMS', { min: 1, max: 10_000_000 }) ??
      10_000,
    timeoutMs: options.timeoutMs ?? reader.int('CACHE_TIMEOUT_MS', { min: 10, max: 60_000 }) ?? 500,
    breakerThreshold:
      options.breakerThreshold ?? reader.int('CACHE_BREAKER_THRESHOLD', { min: 1, max: 1000 }) ?? 3,
    breakerCooldownMs:
      options.breakerCooldownMs ?? reader.int('CACHE_BREAKER_COOLDOWN_MS', { min: 50, max: 600_000 }) ?? 1000,
    waitReplicas: options.waitReplicas ?? reader.int('CACHE_WAIT_REPLICAS', { min: 0, max: 10 }) ?? 0,
    waitTimeoutMs:
      options.waitTimeoutMs ?? reader.int('CACHE_WAIT_TIMEOUT_MS', { min: 10, max: 60_000 }) ?? 1000,
    maxValueBytes:
      options.maxValueBytes ??
      reader.int('CACHE_MAX_VALUE_BYTES', { min: 1, max: 512 * 1024 * 1024 }) ??
      1_048_576,
    maxKeyBytes: options.maxKeyBytes ?? reader.int('CACHE_MAX_KEY_BYTES', { min: 16, max: 65_536 }) ?? 1024,
    earlyRefresh: options.earlyRefresh ?? reader.bool('CACHE_EARLY_REFRESH') ?? true,
    earlyRefreshBeta: options.earlyRefreshBeta ?? parseBeta(reader) ?? 1,
  };
  return config;
}
