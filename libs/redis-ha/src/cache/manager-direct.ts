import type { Cache } from 'cache-manager';
import type { Keyv } from 'keyv';

type Listener = Parameters<Cache['on']>[1];

/**
 * `get(key)` and `set(key, value, ttl)` of the `CACHE_MANAGER` built over one store (our Keyv), as cache-manager 7
 * does them for a single store, minus its generic layers: a loop over stores, two async wrappers around `set`, a
 * `Promise.all`, and `get`/`set` events that nobody listens to. They are every call of `CACHE_MANAGER` and
 * `CacheInterceptor` (~0.7 µs of the ~18 µs of CPU a call costs here, see bench:cache).
 *
 * Same answers as cache-manager's: `get` resolves the store's value, and `undefined` when the store fails (it
 * reports the error as a `get` event only); `set` resolves the value written and rejects with the store's error.
 * Once an app listens to `get` or `set` (`cache.on(...)`), that call goes through cache-manager's own code again,
 * for good, so its events fire as before. Everything else (`mget`, `wrap`, `del`, `ttl`...) is cache-manager's.
 */
export function withDirectManagerPaths(cache: Cache, keyv: Keyv): Cache {
  const { get, set, on } = cache;
  const listened = new Set<string>();
  const swallow = () => undefined;
  cache.on = ((event: string, listener: Listener) => {
    listened.add(event);
    return on(event as Parameters<Cache['on']>[0], listener);
  }) as Cache['on'];
  cache.get = ((key: string) =>
    listened.has('get') ? get(key) : keyv.get(key).then(undefined, swallow)) as Cache['get'];
  cache.set = (<T>(key: string, value: T, ttl?: number) =>
    listened.has('set') ? set(key, value, ttl) : keyv.set(key, value, ttl).then(() => value)) as Cache['set'];
  return cache;
}
