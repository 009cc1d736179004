import { CACHE_MANAGER, CacheModule, type Cache } from '@nestjs/cache-manager';
import { Inject, Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { InjectQueue } from '@nestjs/bullmq';
import type Redis from 'ioredis';
import { InjectRedis, RedisHaModule, getRedisToken } from '@app/redis-ha';
import { RedisHaCache, RedisHaCacheModule, type RedisHaCacheOptionsFactory } from '@app/redis-ha/cache';
import { RedisHaQueueModule, type RedisHaQueue } from '@app/redis-ha/queue';
import { RedisHaHealthModule, RedisHealthIndicator } from '@app/redis-ha/health';
import { LocalCluster } from '../tools/cluster/local-cluster';

// How the core and the feature modules compose: non-global, next to an app's own CacheModule, with
// @nestjs/cache-manager's register options, and without the features an app did not add.

let cluster: LocalCluster;
let admin: Redis;
let env: Record<string, string>;
const apps: INestApplicationContext[] = [];

async function boot(module: unknown): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(module as never, {
    logger: false,
    abortOnError: false,
  });
  apps.push(app);
  return app;
}

/** Redis keys of the local cluster that contain `marker` (the test's own keys only). */
const keysWith = (marker: string) => admin.keys(`*${marker}*`);

beforeAll(async () => {
  cluster = await LocalCluster.start({ basePort: 27180, downAfterMs: 2000, failoverTimeoutMs: 5000 });
  admin = cluster.admin(await cluster.master());
  env = { ...cluster.env(), REDIS_KEY_PREFIX: 'app:' };
});

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

afterAll(async () => {
  admin?.disconnect();
  await cluster?.stop();
});

describe('isGlobal: false', () => {
  it('keeps every provider inside the module that imports the core, features included', async () => {
    const redis = RedisHaModule.forRoot({ env, isGlobal: false });

    @Injectable()
    class Inside {
      constructor(
        @InjectRedis() readonly writer: Redis,
        @Inject(CACHE_MANAGER) readonly cache: Cache,
        @InjectQueue('local-jobs') readonly queue: RedisHaQueue,
        readonly indicator: RedisHealthIndicator,
      ) {}
    }
    @Module({
      imports: [
        redis,
        RedisHaCacheModule.register({ imports: [redis] }),
        RedisHaQueueModule.register({ queues: [{ name: 'local-jobs' }], imports: [redis] }),
        RedisHaHealthModule.register({ imports: [redis], endpoints: false }),
      ],
      providers: [Inside],
      exports: [Inside],
    })
    class FeatureModule {}
    @Module({ imports: [FeatureModule] })
    class AppModule {}

    const app = await boot(AppModule);
    const inside = app.get(Inside);
    await inside.writer.set('nonglobal:k', 'v');
    expect(await inside.writer.get('nonglobal:k')).toBe('v');
    await inside.cache.set('nonglobal-cache', 42);
    expect(await inside.cache.get('nonglobal-cache')).toBe(42);
    const job = await inside.queue.add('j', { n: 1 });
    expect(await inside.queue.getJob(job.id!)).toBeDefined();
    expect((await inside.indicator.isHealthy('redis')).redis.status).toBe('up');
    await app.close();

    // Not global: a module that does not import it cannot inject the connection.
    @Injectable()
    class Outside {
      constructor(@InjectRedis() readonly writer: Redis) {}
    }
    @Module({ providers: [Outside] })
    class OutsideModule {}
    @Module({ imports: [FeatureModule, OutsideModule] })
    class WithOutsider {}
    await expect(boot(WithOutsider)).rejects.toThrow(/can't resolve dependencies of the Outside/);
  });
});

describe("next to an app's own CacheModule", () => {
  it('each consumer gets the CACHE_MANAGER of the module it sees: the app keeps its in-memory cache', async () => {
    @Injectable()
    class UsesHa {
      constructor(@Inject(CACHE_MANAGER) readonly cache: Cache) {}
    }
    @Module({ imports: [RedisHaCacheModule.register()], providers: [UsesHa], exports: [UsesHa] })
    class HaCacheModule {}
    @Injectable()
    class UsesOwn {
      constructor(@Inject(CACHE_MANAGER) readonly cache: Cache) {}
    }
    @Module({
      imports: [RedisHaModule.forRoot({ env }), CacheModule.register({ isGlobal: true }), HaCacheModule],
      providers: [UsesOwn],
    })
    class AppModule {}

    const app = await boot(AppModule);
    const ha = app.get(UsesHa).cache;
    const own = app.get(UsesOwn).cache;
    expect(ha).not.toBe(own);
    await ha.set('side-ha-key', 'in redis');
    await own.set('side-own-key', 'in memory');
    expect(await keysWith('side-ha-key')).toHaveLength(1);
    expect(await keysWith('side-own-key')).toHaveLength(0);
    expect(await own.get('side-own-key')).toBe('in memory');
    expect(await ha.get('side-own-key')).toBeUndefined();
  });
});

describe("@nestjs/cache-manager's register options", () => {
  it('register({ ttl }) is the default TTL in milliseconds of an entry set without one', async () => {
    @Module({
      imports: [RedisHaModule.forRoot({ env }), RedisHaCacheModule.register({ isGlobal: true, ttl: 1500 })],
    })
    class AppModule {}
    const app = await boot(AppModule);
    const cache = app.get<Cache>(CACHE_MANAGER);
    await cache.set('ttl-ms-key', 'v');
    const [key] = await keysWith('ttl-ms-key');
    const pttl = await admin.pttl(key);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(1500);
    await cache.set('ttl-given-key', 'v', 60_000); // a TTL given with the call still wins
    expect(await admin.pttl((await keysWith('ttl-given-key'))[0])).toBeGreaterThan(1500);
  });

  it('registerAsync with useClass (createCacheOptions) and extraProviders, as the peer takes them', async () => {
    const SETTINGS = 'CACHE_SETTINGS';
    @Injectable()
    class CacheOptions implements RedisHaCacheOptionsFactory {
      constructor(@Inject(SETTINGS) private readonly settings: { version: string }) {}
      createCacheOptions() {
        return { keyVersion: this.settings.version, ttl: 30_000 };
      }
    }
    @Module({
      imports: [
        RedisHaModule.forRoot({ env }),
        RedisHaCacheModule.registerAsync({
          isGlobal: true,
          useClass: CacheOptions,
          extraProviders: [{ provide: SETTINGS, useValue: { version: 'async7' } }],
        }),
      ],
    })
    class AppModule {}
    const app = await boot(AppModule);
    await app.get<Cache>(CACHE_MANAGER).set('async-key', 'v');
    const [key] = await keysWith('async-key');
    expect(key).toContain('async7');
    expect(await admin.pttl(key)).toBeLessThanOrEqual(30_000);
  });

  it('refuses, at startup and by name, the peer options that mean nothing over the HA store', async () => {
    @Module({
      imports: [RedisHaModule.forRoot({ env }), RedisHaCacheModule.register({ stores: [], ttl: 0 } as never)],
    })
    class AppModule {}
    await expect(boot(AppModule)).rejects.toThrow(
      /RedisHaCacheModule.register\(\{ stores \}\): not supported[\s\S]*RedisHaCacheModule.register\(\{ ttl \}\): must be a whole number/,
    );
  });
});

describe('only the features an app adds', () => {
  it('the core alone provides connections and no cache, queue or health', async () => {
    @Module({ imports: [RedisHaModule.forRoot({ env })] })
    class AppModule {}
    const app = await boot(AppModule);
    expect(await app.get<Redis>(getRedisToken()).ping()).toBe('PONG');
    expect(() => app.get(CACHE_MANAGER)).toThrow();
    expect(() => app.get(RedisHaCache)).toThrow();
    expect(() => app.get(RedisHealthIndicator)).toThrow();
  });

  it('forRoot() refuses the feature options it no longer takes, saying where they went', async () => {
    @Module({ imports: [RedisHaModule.forRoot({ env, cache: { ttlSeconds: 5 } } as never)] })
    class AppModule {}
    await expect(boot(AppModule)).rejects.toThrow(
      /forRoot\(\{ cache \}\): moved: .*RedisHaCacheModule.register/,
    );
  });
});
