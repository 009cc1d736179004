import { createCache } from 'cache-manager';
import { Keyv } from 'keyv';
import { withDirectManagerPaths } from './manager-direct';

/** cache-manager over one Keyv, as is and with the direct paths: both must answer alike. */
function caches() {
  const plain = new Keyv();
  const fast = new Keyv();
  return {
    original: createCache({ stores: [plain] }),
    direct: withDirectManagerPaths(createCache({ stores: [fast] }), fast),
    stores: [plain, fast],
  };
}

describe('withDirectManagerPaths (CACHE_MANAGER get/set straight to the store)', () => {
  it("answers get and set as cache-manager's own code does: value, miss, TTL", async () => {
    const { original, direct } = caches();
    for (const cache of [original, direct]) {
      expect(await cache.set('a', { n: 1 })).toEqual({ n: 1 });
      expect(await cache.set('short', 'x', 30)).toBe('x');
    }
    expect(await direct.get('a')).toEqual(await original.get('a'));
    expect(await direct.get('missing')).toBe(await original.get('missing'));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await original.get('short')).toBeUndefined();
    expect(await direct.get('short')).toBeUndefined(); // the TTL reached the store
  });

  it('a failing store: get resolves undefined, set rejects with the error, as cache-manager does', async () => {
    const { original, direct, stores } = caches();
    const boom = new Error('store down');
    for (const store of stores) {
      await store.set('a', 1);
      store.get = (() => Promise.reject(boom)) as Keyv['get'];
      store.set = (() => Promise.reject(boom)) as Keyv['set'];
    }
    for (const cache of [original, direct]) {
      expect(await cache.get('a')).toBeUndefined();
      await expect(cache.set('a', 2)).rejects.toBe(boom);
    }
  });

  it('steps aside once an app listens to get or set events, so they fire as before', async () => {
    const { direct } = caches();
    const events: string[] = [];
    await direct.set('a', 1); // no listener yet: nothing to report
    direct.on('set', ({ key }) => events.push(`set ${key}`));
    direct.on('get', ({ key, value }) => events.push(`get ${key}=${value}`));
    await direct.set('b', 2);
    expect(await direct.get('a')).toBe(1);
    expect(events).toEqual(['set b', 'set b', 'get a=1']); // per store, then overall: cache-manager's own events
  });
});
