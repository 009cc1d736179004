import { loadAllSettings } from '../config/load-config';
import { CacheKeyError } from '../errors/cache-key.error';
import { CacheKeys } from './cache-keys';

describe('CacheKeys', () => {
  const config = loadAllSettings(
    {
      CACHE_TTL_SECONDS: '60',
      CACHE_TTL_HOLIDAYS: '86400',
      CACHE_KEY_VERSION_HOLIDAYS: 'h2',
      CACHE_WAIT_REPLICAS_ORDERS: '1',
    },
    {
      cache: { maxKeyBytes: 64 },
    },
  ).cache;
  const keys = new CacheKeys(config);

  it('lays keys out as <prefix><version>:<logical key>, the namespace version winning', () => {
    expect(keys.redisKey('users:42')).toBe('cache:v1:users:42');
    expect(keys.redisKey('holidays:2024')).toBe('cache:h2:holidays:2024');
    expect(keys.redisKey('HOLIDAYS:2024')).toBe('cache:h2:HOLIDAYS:2024');
    expect(keys.redisKey('plain')).toBe('cache:v1:plain');
    expect(keys.lockKey('holidays:2024')).toBe('cache:lock:h2:holidays:2024');
  });

  it("takes TTL and durability from the key's namespace", () => {
    expect(keys.ttlMs('holidays:2024')).toBe(86_400_000);
    expect(keys.ttlMs('users:1')).toBe(60_000);
    expect(keys.waitReplicas('orders:1')).toBe(1);
    expect(keys.waitReplicas('users:1')).toBe(0);
  });

  it('refuses keys over CACHE_MAX_KEY_BYTES, counting UTF-8 bytes', () => {
    expect(() => keys.redisKey('a'.repeat(50))).not.toThrow();
    expect(() => keys.redisKey('a'.repeat(60))).toThrow(CacheKeyError);
    expect(() => keys.redisKey('ż'.repeat(30))).toThrow(/over CACHE_MAX_KEY_BYTES \(64\)/);
  });
});
