import { Logger } from '@nestjs/common';
import type { EvictionCheck } from '../config/queue.config';
import { QueueEvictionPolicyError } from '../errors/queue-eviction-policy.error';

const logger = new Logger('RedisHa:Queue');

export interface MemoryPolicy {
  policy: string;
  /** `maxmemory` in bytes; 0 means no limit (nothing is evicted until one is set). */
  maxmemory: number;
}

/**
 * Reads `maxmemory_policy` from `INFO memory`: the ACL user of an application usually may not run `CONFIG GET`
 * (it is `@dangerous`), but `INFO` it may (BullMQ needs it for its version check).
 */
export function parseMemoryPolicy(info: string): MemoryPolicy | undefined {
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
  const policy = field('maxmemory_policy');
  if (!policy) return undefined;
  return { policy, maxmemory: Number(field('maxmemory') ?? 0) };
}

/**
 * Any policy but `noeviction` can drop queue keys: `allkeys-*` any of them, `volatile-*` those with a TTL,
 * which are exactly BullMQ's job locks (a lost lock makes an active job "stalled" and run twice).
 */
export function canEvictQueueKeys(policy: string): boolean {
  return policy !== 'noeviction';
}

/**
 * Checks the master's eviction policy. `refuse` throws `QueueEvictionPolicyError` when it can evict queue keys,
 * `warn` logs; a server that cannot be asked (no `INFO` for this ACL user) is reported, never refused.
 * `where` says when the check runs (startup, after a master change) for the log.
 */
export async function checkEvictionPolicy(
  info: () => Promise<string>,
  mode: EvictionCheck,
  where: string,
): Promise<MemoryPolicy | undefined> {
  if (mode === 'off') return undefined;
  let found: MemoryPolicy | undefined;
  try {
    found = parseMemoryPolicy(await info());
  } catch (err) {
    logger.warn(
      `Could not read maxmemory-policy ${where} (${(err as Error).message}); make sure it is noeviction, or set QUEUE_EVICTION_CHECK=off`,
    );
    return undefined;
  }
  if (!found || !canEvictQueueKeys(found.policy)) return found;
  if (mode === 'refuse') throw new QueueEvictionPolicyError(found.policy);
  const limit = found.maxmemory === 0 ? ' (maxmemory is 0: nothing is evicted until a limit is set)' : '';
  logger.warn(
    `Redis maxmemory-policy is "${found.policy}" ${where}: it can evict queue keys and lose jobs silently${limit}. Set maxmemory-policy noeviction`,
  );
  return found;
}
