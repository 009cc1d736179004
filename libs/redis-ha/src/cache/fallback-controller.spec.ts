import type { Logger } from '@nestjs/common';
import { loadAllSettings } from '../config/load-config';
import type { CacheConfig } from '../config/cache.config';
import { CacheMetrics } from './cache-metrics';
import { CacheStatus } from './cache-status';
import { FallbackController } from './fallback-controller';
import type { RedisRecovery } from './redis-recovery';

function setup(cache: Partial<CacheConfig> = {}, shardLocal = false) {
  const config = loadAllSettings(
    {},
    {
      cache: { breakerThreshold: 3, breakerCooldownMs: 1000, fallbackMaxItems: 5, ...cache },
    },
  ).cache;
  const status = new CacheStatus();
  status.set('redis');
  const metrics = new CacheMetrics();
  const logger = { warn: jest.fn(), log: jest.fn() } as unknown as Logger & {
    warn: jest.Mock;
    log: jest.Mock;
  };
  const redis = {
    probe: jest.fn().mockRejectedValue(new Error('down')),
    invalidate: jest.fn().mockResolvedValue(undefined),
  };
  const controller = new FallbackController(
    config,
    status,
    metrics,
    redis as RedisRecovery,
    logger,
    shardLocal,
  );
  return { controller, status, metrics, logger, redis };
}

describe('FallbackController', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('switches to the fallback after `threshold` consecutive failures, logged and counted once', () => {
    const { controller, status, metrics, logger } = setup();
    controller.failure(new Error('Command timed out'));
    controller.failure(new Error('ECONNREFUSED'));
    expect(controller.active).toBe(false);
    controller.failure(new Error('Command timed out'));
    controller.failure(new Error('Command timed out'));
    expect(controller.active).toBe(true);
    expect(status.mode).toBe('fallback');
    expect(metrics).toMatchObject({ fallbackActivations: 1, redisErrors: 4, timeouts: 3 });
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0][0]).toMatch(
      /3 consecutive Redis calls failed \(last: Command timed out\)/,
    );
    controller.stop();
  });

  it('trip() switches at once (the connection closed)', () => {
    const { controller, status } = setup();
    controller.trip('the connection to Redis closed');
    expect(status.mode).toBe('fallback');
    controller.stop();
  });

  it('probes every cooldown; back on Redis it deletes the keys changed meanwhile, then drops the memory', async () => {
    const { controller, status, metrics, logger, redis } = setup();
    controller.trip('test');
    controller.set('a', '{"value":1}', 60_000);
    controller.mustInvalidate('b');
    expect(controller.get('a')).toBe('{"value":1}');
    expect(metrics.fallbackItems).toBe(1);

    await jest.advanceTimersByTimeAsync(1000);
    expect(redis.probe).toHaveBeenCalledTimes(1);
    expect(status.mode).toBe('fallback');

    redis.probe.mockResolvedValue(undefined);
    await jest.advanceTimersByTimeAsync(1000);
    expect(redis.invalidate).toHaveBeenCalledWith(['a', 'b']);
    expect(status.mode).toBe('redis');
    expect(controller.active).toBe(false);
    expect(controller.get('a')).toBeUndefined();
    expect(metrics).toMatchObject({ recoveries: 1, invalidationsReplayed: 2, fallbackItems: 0 });
    expect(logger.log.mock.calls[0][0]).toMatch(
      /Cache back on Redis after \d+ ms; memory fallback dropped \(1 items\)/,
    );

    await jest.advanceTimersByTimeAsync(5000);
    expect(redis.probe).toHaveBeenCalledTimes(2); // no probing while on Redis
  });

  it('stays on the fallback when the invalidations cannot be sent', async () => {
    const { controller, status, redis } = setup();
    controller.trip('test');
    controller.set('a', 'x', 60_000);
    redis.probe.mockResolvedValue(undefined);
    redis.invalidate.mockRejectedValueOnce(new Error('NOREPLICAS'));
    await jest.advanceTimersByTimeAsync(1000);
    expect(status.mode).toBe('fallback');
    await jest.advanceTimersByTimeAsync(1000);
    expect(status.mode).toBe('redis');
    expect(redis.invalidate).toHaveBeenCalledTimes(2);
  });

  it('probeSoon() probes at once when the connection is ready again', async () => {
    const { controller, status, redis } = setup();
    controller.trip('test');
    redis.probe.mockResolvedValue(undefined);
    controller.probeSoon();
    await jest.advanceTimersByTimeAsync(0);
    expect(status.mode).toBe('redis');
  });

  it('a key written to Redis again needs no invalidation; leftovers go after the next success', async () => {
    const { controller, redis } = setup();
    controller.failure(new Error('one failure, breaker still closed'));
    controller.mustInvalidate('x');
    controller.mustInvalidate('y');
    controller.written('y');
    controller.success();
    await jest.advanceTimersByTimeAsync(0);
    expect(redis.invalidate).toHaveBeenCalledWith(['x']);
  });

  it('bounds the keys to invalidate by CACHE_FALLBACK_MAX_ITEMS and says so on the way back', async () => {
    const { controller, redis, logger } = setup({ fallbackMaxItems: 2 });
    controller.trip('test');
    for (const key of ['a', 'b', 'c', 'd']) controller.set(key, 'x', 60_000);
    redis.probe.mockResolvedValue(undefined);
    await jest.advanceTimersByTimeAsync(1000);
    expect(redis.invalidate).toHaveBeenCalledWith(['a', 'b']);
    expect(logger.log.mock.calls[0][0]).toMatch(
      /2 keys written during the outage were over CACHE_FALLBACK_MAX_ITEMS/,
    );
  });

  it('CACHE_FALLBACK=none keeps nothing in memory but still invalidates', async () => {
    const { controller, redis } = setup({ fallback: 'none' });
    controller.trip('test');
    controller.set('a', 'x', 60_000);
    expect(controller.memory).toBeUndefined();
    expect(controller.get('a')).toBeUndefined();
    redis.probe.mockResolvedValue(undefined);
    await jest.advanceTimersByTimeAsync(1000);
    expect(redis.invalidate).toHaveBeenCalledWith(['a']);
  });

  it('stop() ends probing and ignores later trips', async () => {
    const { controller, status, redis } = setup();
    controller.stop();
    controller.trip('shutting down');
    expect(status.mode).toBe('redis');
    await jest.advanceTimersByTimeAsync(3000);
    expect(redis.probe).not.toHaveBeenCalled();
  });

  it('cluster (shardLocal): failures while other calls succeed do not count; once nothing succeeded for CACHE_TIMEOUT_MS they do', () => {
    const { controller, metrics } = setup({ timeoutMs: 500 }, true);
    for (let i = 0; i < 20; i++) {
      controller.success(); // another shard answers...
      jest.advanceTimersByTime(20);
      controller.failure(new Error('MOVED 866 127.0.0.1:28101')); // ...while the dead shard's calls fail fast
    }
    expect(controller.active).toBe(false);
    expect(metrics.redisErrors).toBe(20);
    jest.advanceTimersByTime(500); // every shard down: nothing succeeds any more
    for (let i = 0; i < 3; i++) controller.failure(new Error('ECONNREFUSED'));
    expect(controller.active).toBe(true);
  });

  it('sentinel mode: consecutive failures count however recently a call succeeded', () => {
    const { controller } = setup();
    controller.success();
    for (let i = 0; i < 3; i++) controller.failure(new Error('Command timed out'));
    expect(controller.active).toBe(true);
  });

  it('a replay that fails (a shard still down) is retried by a later success, not by every one', async () => {
    const { controller, redis } = setup({}, true);
    redis.invalidate.mockRejectedValue(new Error('MOVED 866 127.0.0.1:28101'));
    controller.set('a', 'outage-a', 60_000);
    controller.success();
    await jest.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 10; i++) controller.success();
    await jest.advanceTimersByTimeAsync(0);
    expect(redis.invalidate).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(100);
    redis.invalidate.mockResolvedValue(undefined);
    controller.success();
    await jest.advanceTimersByTimeAsync(0);
    expect(redis.invalidate).toHaveBeenCalledTimes(2);
    expect(controller.get('a')).toBeUndefined();
  });

  it('a write that failed while the cache stayed on Redis leaves no copy in memory once Redis has it or dropped it', async () => {
    const { controller, redis, metrics } = setup({}, true);
    controller.set('a', 'outage-a', 60_000); // two writes that failed on a dead shard, answered by memory
    controller.set('b', 'outage-b', 60_000);
    controller.written('a'); // a later write of `a` reached Redis: the memory's copy is older
    expect(controller.get('a')).toBeUndefined();
    controller.success(); // any success replays the noted deletes
    await jest.advanceTimersByTimeAsync(0);
    expect(redis.invalidate).toHaveBeenCalledWith(['b']);
    expect(controller.get('b')).toBeUndefined();
    expect(metrics.fallbackItems).toBe(0);
  });
});
