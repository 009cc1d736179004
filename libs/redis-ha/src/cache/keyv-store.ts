import { Keyv, KeyvHooks, type KeyvStoreAdapter, type StoredData } from 'keyv';
import { liveHookHandlers, replaceGetSet, type KeyvGetSet } from '../internals/keyv';
import { assertKeyvInternals } from '../internals/keyv-check';
import type { CacheEnvelope } from './cache-serializer';
import type { RedisHaCacheStore } from './redis-ha-cache-store';

/**
 * The Keyv storage adapter behind `CACHE_MANAGER`: Keyv hands it serialized entries, it hands them to the
 * HA cache store. No second Redis client library: the store runs on the library's ioredis connections.
 */
export class RedisHaKeyvStore implements KeyvStoreAdapter {
  readonly opts = { dialect: 'redis-ha' };
  namespace?: string;

  constructor(private readonly store: RedisHaCacheStore) {}

  // get and set hand the store's promises on as they are: one async layer less on every call.
  get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    return this.store.getRaw(key) as Promise<StoredData<Value> | undefined>;
  }

  /** Keyv reads a boolean answer as success or failure and anything else as success; failures never happen here. */
  set(key: string, value: string, ttl?: number): Promise<unknown> {
    return this.store.set(key, value, ttl);
  }

  async delete(key: string): Promise<boolean> {
    return this.store.delete(key);
  }

  async clear(): Promise<void> {
    await this.store.clear();
  }

  /** The connections belong to the connection factory, which closes them on shutdown. */
  async disconnect(): Promise<void> {}

  on(): this {
    return this;
  }
}

/**
 * The Keyv instance given to `CacheModule` as its only store. Keys are not prefixed by Keyv (the store lays
 * them out, see `CacheKeys`); values go through the cache's serializer; a `set` without a TTL gets the TTL of
 * the key's namespace or `CACHE_TTL_SECONDS` (a preSet hook, so that Keyv's `expires` agrees with Redis'). Bad
 * input (unserializable, too large, key too long) rejects `set`; Redis trouble never does.
 */
export function createCacheKeyv(store: RedisHaCacheStore): Keyv {
  assertKeyvInternals(); // once per process: fails startup on a Keyv without the internals we use
  const serializer = store.serializer;
  const keyv = new Keyv({
    store: new RedisHaKeyvStore(store),
    namespace: undefined,
    useKeyPrefix: false,
    throwOnErrors: true,
    serialize: (data: CacheEnvelope) => serializer.serialize(data),
    deserialize: (text: string) => serializer.deserialize(text) as any,
  } as ConstructorParameters<typeof Keyv>[0]);
  keyv.hooks.addHandler(KeyvHooks.PRE_SET, (data: { key: string; ttl?: number }) => {
    if (!(data.ttl !== undefined && data.ttl > 0)) data.ttl = store.keys.ttlMs(data.key);
  });
  return withDirectPaths(keyv, store);
}

/**
 * `get(key)` and `set(key, value, ttl)` of one key straight to the store, as Keyv would do them but without its
 * generic layers (hooks, stats, two extra async steps): they are every call of `CACHE_MANAGER` and
 * `CacheInterceptor`. Anything else (arrays of keys, `has`, iteration) and any hook an app adds goes through Keyv.
 */
function withDirectPaths(keyv: Keyv, store: RedisHaCacheStore): Keyv {
  // `hooks.handlers` copies the map on each read: look at the live one (our preSet hook is the only one by default).
  const live = liveHookHandlers(keyv);
  const ownHooksOnly = () =>
    live !== undefined && live.size === 1 && live.get(KeyvHooks.PRE_SET)?.length === 1;
  replaceGetSet(keyv, (viaKeyv) => ({
    get: directGet(viaKeyv, store, ownHooksOnly),
    set: directSet(viaKeyv, store, ownHooksOnly),
  }));
  return keyv;
}

function directGet(viaKeyv: KeyvGetSet, store: RedisHaCacheStore, ownHooksOnly: () => boolean): Keyv['get'] {
  return ((key: string | string[], options?: { raw?: boolean }) => {
    if (Array.isArray(key) || !ownHooksOnly()) return viaKeyv.get(key as string, options as { raw: false });
    return store.getDecoded(key, options?.raw === true);
  }) as Keyv['get'];
}

function directSet(viaKeyv: KeyvGetSet, store: RedisHaCacheStore, ownHooksOnly: () => boolean): Keyv['set'] {
  return ((key: string, value: unknown, ttl?: number) => {
    if (!ownHooksOnly()) return viaKeyv.set(key, value, ttl);
    const ttlMs = ttl !== undefined && ttl > 0 ? ttl : store.keys.ttlMs(key);
    try {
      return store.setValue(key, value, ttlMs);
    } catch (err) {
      return Promise.reject(err);
    }
  }) as Keyv['set'];
}
