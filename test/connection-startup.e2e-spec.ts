import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type Redis from 'ioredis';
import { RedisHaConfigError, RedisHaConnectionError, RedisHaModule, getRedisToken } from '@app/redis-ha';
import { startHaApp } from './helpers/ha-app';
import { LocalCluster } from '../tools/cluster/local-cluster';

const CONNECT_TIMEOUT_MS = 1500;

/** TCP sockets and timers alive in this process, to prove the library leaves none behind. */
function openSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPWrap').length;
}

/** The socket count once sockets closed by earlier cases are gone (two equal reads 100 ms apart). */
async function settledSockets(): Promise<number> {
  let last = openSockets();
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = openSockets();
    if (now === last) return now;
    last = now;
  }
  return last;
}

describe('startup: bad input fails fast with the setting to fix; shutdown leaves nothing open', () => {
  let cluster: LocalCluster;
  let env: Record<string, string>;

  beforeAll(async () => {
    cluster = await LocalCluster.start({ basePort: 27120 });
    env = {
      ...cluster.env(),
      REDIS_KEY_PREFIX: 'app:',
      REDIS_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
    };
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  async function startupError(overrides: Record<string, string>): Promise<{ error: Error; ms: number }> {
    const started = Date.now();
    const sockets = openSockets();
    const error = await startHaApp({ env: { ...env, ...overrides } }).then(
      async (app) => {
        await app.close();
        throw new Error('startup succeeded');
      },
      (err: Error) => err,
    );
    const ms = Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(openSockets()).toBeLessThanOrEqual(sockets);
    return { error, ms };
  }

  const cases: Array<[string, () => Record<string, string>, RegExp, string]> = [
    [
      'unreachable sentinels',
      () => ({ REDIS_SENTINEL_HOSTS: '127.0.0.1:27198,127.0.0.1:27199' }),
      /no sentinel answered/,
      'REDIS_SENTINEL_HOSTS',
    ],
    [
      'a wrong master name',
      () => ({ REDIS_MASTER_NAME: 'nosuchmaster' }),
      /do not monitor a master named "nosuchmaster"/,
      'REDIS_MASTER_NAME',
    ],
    [
      'a wrong password',
      () => ({ REDIS_PASSWORD: 'wrong-password-123' }),
      /refused the credentials of ACL user "app"/,
      'REDIS_USERNAME / REDIS_PASSWORD',
    ],
    [
      'an unknown ACL user',
      () => ({ REDIS_USERNAME: 'nobody' }),
      /refused the credentials of ACL user "nobody"/,
      'REDIS_USERNAME / REDIS_PASSWORD',
    ],
    [
      'a wrong sentinel password',
      () => ({ REDIS_SENTINEL_PASSWORD: 'wrong-sentinel-pw' }),
      /sentinels refused the credentials/,
      'REDIS_SENTINEL_USERNAME / REDIS_SENTINEL_PASSWORD',
    ],
    [
      'standalone on a closed port',
      () => ({ REDIS_MODE: 'standalone', REDIS_HOST: '127.0.0.1', REDIS_PORT: '27197' }),
      /127\.0\.0\.1:27197 did not answer/,
      'REDIS_URL or REDIS_HOST / REDIS_PORT',
    ],
  ];

  it.each(cases)(
    '%s: a RedisHaConnectionError within the connect timeout',
    async (_name, overrides, message, setting) => {
      const { error, ms } = await startupError(overrides());
      expect(error).toBeInstanceOf(RedisHaConnectionError);
      expect(error.message).toMatch(message);
      expect(error.message).toContain(`(check ${setting})`);
      expect(error.message).not.toContain(env.REDIS_PASSWORD);
      expect(error.message).not.toMatch(/wrong-password-123|wrong-sentinel-pw/);
      expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS + 1500);
    },
  );

  it('a malformed host list: one aggregated RedisHaConfigError before any connection', async () => {
    const { error } = await startupError({ REDIS_SENTINEL_HOSTS: '127.0.0.1', REDIS_DB: 'x' });
    expect(error).toBeInstanceOf(RedisHaConfigError);
    expect(error.message).toContain('REDIS_SENTINEL_HOSTS: "127.0.0.1" is not host:port');
    expect(error.message).toContain('REDIS_DB: must be a whole number');
  });

  it('REDIS_LAZY_CONNECT=true starts without Redis and connects once it can', async () => {
    const app = await startHaApp({ env: { ...env, REDIS_LAZY_CONNECT: 'true' } });
    try {
      expect(await app.get(getRedisToken()).set('lazy', '1')).toBe('OK');
    } finally {
      await app.close();
    }
  });

  it('forRootAsync: options from an injected factory, still merged over the environment', async () => {
    @Injectable()
    class Settings {
      readonly masterName = 'mymaster';
    }
    @Module({ providers: [Settings], exports: [Settings] })
    class SettingsModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [
        RedisHaModule.forRootAsync({
          imports: [SettingsModule],
          inject: [Settings],
          useFactory: (settings: Settings) => ({
            env,
            masterName: settings.masterName,
          }),
          connectionNames: ['events'],
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      expect(await app.get<Redis>(getRedisToken()).set('async', '1')).toBe('OK');
      expect(await app.get<Redis>(getRedisToken('events')).ping()).toBe('PONG');
    } finally {
      await app.close();
    }
  });

  it('closes every connection it opened on shutdown', async () => {
    const before = await settledSockets();
    const app = await startHaApp({ env, connections: { extra: { role: 'subscriber' } } });
    await app.get(getRedisToken()).set('x', '1');
    expect(openSockets()).toBeGreaterThan(before);
    await app.close();
    expect(await settledSockets()).toBeLessThanOrEqual(before);
  });
});
