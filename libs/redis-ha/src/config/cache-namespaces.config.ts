// Namespaces of the cache settings (`CACHE_TTL_<NS>`, `CACHE_KEY_VERSION_<NS>`, `CACHE_WAIT_REPLICAS_<NS>`), and
// the name and version rules they share with the global settings.
import type { EnvReader } from './env-reader';

/** Settings of one namespace (`holidays` in `cache.namespace('holidays')`); unset fields use the global ones. */
export interface CacheNamespaceConfig {
  /** `CACHE_TTL_<NAMESPACE>`: default TTL of the namespace's keys, in seconds. */
  ttlSeconds?: number;
  /** `CACHE_KEY_VERSION_<NAMESPACE>`: change it to invalidate the namespace (its keys get new names). */
  version?: string;
  /** `CACHE_WAIT_REPLICAS_<NAMESPACE>`: durable writes for this namespace (see `waitReplicas`). */
  waitReplicas?: number;
}

export const VERSION = /^[A-Za-z0-9._-]{1,64}$/;
export const NAMESPACE = /^[A-Za-z0-9_-]{1,64}$/;
const ENV_NAMESPACE = /^[A-Za-z0-9_]{1,64}$/;

/** The config key of a namespace name: `Holidays`, `holidays` and `HOLIDAYS` are one namespace; `-` equals `_`. */
export function namespaceId(name: string): string {
  return name.toLowerCase().replace(/-/g, '_');
}

export function isValidNamespace(name: string): boolean {
  return NAMESPACE.test(name);
}

export function checkVersion(
  reader: EnvReader,
  setting: string,
  value: string | undefined,
): string | undefined {
  if (value === undefined) return undefined;
  if (!VERSION.test(value) || value === 'lock') {
    reader.fail(setting, `must be 1-64 of A-Z a-z 0-9 . _ - (and not "lock"), got "${value}"`);
    return undefined;
  }
  return value;
}

/** `CACHE_TTL_<NS>`, `CACHE_KEY_VERSION_<NS>`, `CACHE_WAIT_REPLICAS_<NS>` (`CACHE_TTL_SECONDS` is not a namespace). */
export function parseNamespaces(reader: EnvReader): Record<string, CacheNamespaceConfig> {
  const namespaces: Record<string, CacheNamespaceConfig> = {};
  const entry = (suffix: string) => (namespaces[namespaceId(suffix)] ??= {});
  const scan = (prefix: string, read: (name: string, suffix: string) => void) => {
    for (const [suffix] of reader.withPrefix(prefix)) {
      if (prefix === 'CACHE_TTL_' && suffix === 'SECONDS') continue;
      if (!ENV_NAMESPACE.test(suffix))
        reader.fail(`${prefix}${suffix}`, 'namespace must be 1-64 of A-Z 0-9 _');
      else read(`${prefix}${suffix}`, suffix);
    }
  };
  scan('CACHE_TTL_', (name, suffix) => {
    const ttl = reader.int(name, { min: 1, max: 31_536_000 });
    if (ttl !== undefined) entry(suffix).ttlSeconds = ttl;
  });
  scan('CACHE_KEY_VERSION_', (name, suffix) => {
    const version = checkVersion(reader, name, reader.string(name));
    if (version !== undefined) entry(suffix).version = version;
  });
  scan('CACHE_WAIT_REPLICAS_', (name, suffix) => {
    const replicas = reader.int(name, { min: 0, max: 10 });
    if (replicas !== undefined) entry(suffix).waitReplicas = replicas;
  });
  return namespaces;
}

/** Namespaces from `forRoot({ cache: { namespaces } })` override the environment field by field. */
export function mergeNamespaces(
  reader: EnvReader,
  fromEnv: Record<string, CacheNamespaceConfig>,
  fromOptions: Record<string, CacheNamespaceConfig> = {},
): Record<string, CacheNamespaceConfig> {
  const merged = { ...fromEnv };
  for (const [name, ns] of Object.entries(fromOptions)) {
    const setting = `RedisHaCacheModule.register({ namespaces.${name} })`;
    if (!NAMESPACE.test(name)) reader.fail(setting, 'namespace must be 1-64 of A-Z a-z 0-9 _ -');
    if (ns.ttlSeconds !== undefined) reader.checkRange(`${setting}.ttlSeconds`, ns.ttlSeconds, 1, 31_536_000);
    if (ns.waitReplicas !== undefined) reader.checkRange(`${setting}.waitReplicas`, ns.waitReplicas, 0, 10);
    checkVersion(reader, `${setting}.version`, ns.version);
    const id = namespaceId(name);
    merged[id] = { ...merged[id], ...ns };
  }
  return merged;
}
