import { QueueEvictionPolicyError } from '../errors/queue-eviction-policy.error';
import { canEvictQueueKeys, checkEvictionPolicy, parseMemoryPolicy } from './eviction-check';

const info = (policy: string, maxmemory = 536870912) =>
  `# Memory\r\nused_memory:1000\r\nmaxmemory:${maxmemory}\r\nmaxmemory_human:512.00M\r\nmaxmemory_policy:${policy}\r\n`;

describe('eviction policy check', () => {
  it('reads the policy and the limit from INFO memory', () => {
    expect(parseMemoryPolicy(info('noeviction'))).toEqual({ policy: 'noeviction', maxmemory: 536870912 });
    expect(parseMemoryPolicy('# Memory\r\nused_memory:1\r\n')).toBeUndefined();
  });

  it.each([
    ['noeviction', false],
    ['allkeys-lru', true],
    ['allkeys-lfu', true],
    ['allkeys-random', true],
    ['volatile-lru', true], // BullMQ's locks carry a TTL
    ['volatile-ttl', true],
  ])('%s can evict queue keys: %s', (policy, evicts) => {
    expect(canEvictQueueKeys(policy)).toBe(evicts);
  });

  it('refuses, warns or stays quiet per QUEUE_EVICTION_CHECK', async () => {
    const lru = async () => info('allkeys-lru');
    await expect(checkEvictionPolicy(lru, 'refuse', 'at startup')).rejects.toThrow(QueueEvictionPolicyError);
    await expect(checkEvictionPolicy(lru, 'refuse', 'at startup')).rejects.toThrow(
      /QUEUE_EVICTION_CHECK=warn/,
    );
    await expect(checkEvictionPolicy(lru, 'warn', 'at startup')).resolves.toEqual({
      policy: 'allkeys-lru',
      maxmemory: 536870912,
    });
    const never = jest.fn(lru);
    await expect(checkEvictionPolicy(never, 'off', 'at startup')).resolves.toBeUndefined();
    expect(never).not.toHaveBeenCalled();
    await expect(
      checkEvictionPolicy(async () => info('noeviction'), 'refuse', 'at startup'),
    ).resolves.toMatchObject({ policy: 'noeviction' });
  });

  it('never refuses when it cannot ask (an ACL user without INFO)', async () => {
    const denied = () =>
      Promise.reject(new Error("NOPERM this user has no permissions to run the 'info' command"));
    await expect(checkEvictionPolicy(denied, 'refuse', 'at startup')).resolves.toBeUndefined();
  });
});
