import type { INestApplication, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Cache } from '@nestjs/cache-manager';
import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { CacheMetrics, CacheStatus, RedisHaModule } from '@app/redis-ha';
import { RedisHaCache, RedisHaCacheModule, type RedisHaCacheModuleOptions } from '@app/redis-ha/cache';
import type { RedisHaModuleOptions } from '@app/redis-ha';

/** The cache e2e suites' app: RedisHaModule + RedisHaCacheModule on the local cluster, optional controllers, quiet logs unless asked. */
export interface CacheApp {
  app: INestApplication;
  cache: RedisHaCache;
  manager: Cache;
  metrics: CacheMetrics;
  status: CacheStatus;
  close(): Promise<void>;
}

export async function startCacheApp(
  env: Record<string, string>,
  options: Omit<RedisHaModuleOptions, 'env'> & {
    controllers?: Type[];
    cache?: RedisHaCacheModuleOptions;
  } = {},
): Promise<CacheApp> {
  const { controllers = [], cache = {}, ...moduleOptions } = options;
  const moduleRef = await Test.createTestingModule({
    imports: [
      RedisHaModule.forRoot({ ...moduleOptions, env }),
      RedisHaCacheModule.register({ isGlobal: true, ...cache }),
    ],
    controllers,
  }).compile();
  const app = moduleRef.createNestApplication({
    logger: process.env.CACHE_E2E_LOGS ? ['log', 'warn', 'error'] : ['error'],
  });
  await app.init();
  return {
    app,
    cache: app.get(RedisHaCache),
    manager: app.get<Cache>(CACHE_MANAGER),
    metrics: app.get(CacheMetrics),
    status: app.get(CacheStatus),
    close: () => app.close(),
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `fn` and measures it; never rejects (the error is returned), so a load loop can record everything. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value?: T; error?: Error }> {
  const started = performance.now();
  try {
    const value = await fn();
    return { ms: performance.now() - started, value };
  } catch (error) {
    return { ms: performance.now() - started, error: error as Error };
  }
}

/** Polls `check` every 50 ms until it is true; throws with `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
  return Date.now() - started;
}
