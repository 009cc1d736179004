/**
 * The Redis master's `maxmemory-policy` can evict keys (anything but `noeviction`): BullMQ's job hashes, locks and
 * lists would be dropped silently under memory pressure. Thrown at startup when `QUEUE_EVICTION_CHECK=refuse`.
 */
export class QueueEvictionPolicyError extends Error {
  override readonly name = 'QueueEvictionPolicyError';

  constructor(readonly policy: string) {
    super(
      `Redis maxmemory-policy is "${policy}": it can evict queue keys (jobs, locks) and lose jobs silently. Set "maxmemory-policy noeviction" on every Redis node (redis/redis-master.conf does), or set QUEUE_EVICTION_CHECK=warn to start anyway`,
    );
  }
}
