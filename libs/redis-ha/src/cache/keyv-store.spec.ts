import { loadAllSettings } from '../config/load-config';
import { CacheSerializationError } from '../errors/cache-serialization.error';
import { CacheKeys } from './cache-keys';
import { CacheSerializer, SKIP_ENTRY } from './cache-serializer';
import { createCacheKeyv } from './keyv-store';
import { READ_ENTRY, READ_VALUE, readAnswer } from './read-answer';
import type { RedisHaCacheStore } from './redis-ha-cache-store';

function setup() {
  const writes: Array<{ key: string; raw: string; ttl?: number }> = [];
  const entries = new Map<string, string>();
  const serializer = new CacheSerializer(1000);
  const store = {
    keys: new CacheKeys(loadAllSettings({ CACHE_TTL_SECONDS: '120', CACHE_TTL_HOLIDAYS: '60' }).cache),
    serializer,
    getRaw: async (key: string) => entries.get(key),
    getDecoded: async (key: string, entry: boolean) =>
      readAnswer(entries.get(key), 'redis', entry ? READ_ENTRY : READ_VALUE, serializer),
    set: async (key: string, raw: string, ttl?: number) => {
      writes.push({ key, raw, ttl });
      if (raw !== SKIP_ENTRY) entries.set(key, raw);
      return { stored: raw === SKIP_ENTRY ? 'skipped' : 'redis' };
    },
    setValue: async (key: string, value: unknown, ttl: number) => {
      await store.set(key, serializer.serializeEntry(value, Date.now() + ttl), ttl);
      return true;
    },
    delete: async (key: string) => entries.delete(key),
    clear: async () => entries.clear(),
  };
  return { keyv: createCacheKeyv(store as unknown as RedisHaCacheStore), writes, entries };
}

describe('createCacheKeyv (the store behind CACHE_MANAGER)', () => {
  it('does not prefix keys and hands the store serialized entries', async () => {
    const { keyv, entries } = setup();
    await keyv.set('users:1', { at: new Date(5) }, 1000);
    expect([...entries.keys()]).toEqual(['users:1']);
    expect(await keyv.get('users:1')).toEqual({ at: new Date(5) });
    expect((await keyv.get('users:1', { raw: true }))?.expires).toBeGreaterThan(Date.now());
  });

  it("gives a write without a TTL (or with 0) its namespace's TTL, else CACHE_TTL_SECONDS", async () => {
    const { keyv, writes } = setup();
    await keyv.set('holidays:2024', 1);
    await keyv.set('users:1', 1);
    await keyv.set('users:2', 1, 0);
    await keyv.set('users:3', 1, 5000);
    expect(writes.map((w) => w.ttl)).toEqual([60_000, 120_000, 120_000, 5000]);
  });

  it("skips undefined; rejects unserializable values with the cache's error", async () => {
    const { keyv, entries } = setup();
    await keyv.set('u', undefined);
    expect(entries.size).toBe(0);
    await expect(keyv.set('f', { f: () => 1 })).rejects.toBeInstanceOf(CacheSerializationError);
  });

  it("an app's own Keyv hooks still run (the direct path steps aside)", async () => {
    const { keyv } = setup();
    const seen: string[] = [];
    keyv.hooks.addHandler('postGet', (data: { key: string }) => seen.push(data.key));
    await keyv.set('users:9', 9);
    expect(await keyv.get('users:9')).toBe(9);
    expect(seen).toEqual(['users:9']);
  });

  it('many-key calls (cache-manager mset/mget/mdel) go through Keyv to the same store', async () => {
    const { keyv, writes } = setup();
    await keyv.setMany([
      { key: 'a', value: 1 },
      { key: 'holidays:b', value: new Set([2]) },
    ]);
    expect(writes.map((w) => w.ttl)).toEqual([120_000, 60_000]);
    expect(await keyv.getMany(['a', 'holidays:b', 'c'])).toEqual([1, new Set([2]), undefined]);
    await keyv.deleteMany(['a', 'holidays:b']);
    expect(await keyv.getMany(['a', 'holidays:b'])).toEqual([undefined, undefined]);
  });
});
