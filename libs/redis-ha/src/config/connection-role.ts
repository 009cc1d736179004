/**
 * What a connection is used for; each role gets ioredis options chosen for it (see `connection-options.ts`).
 * - `writer`: the master, for commands that must not fail during a failover (queued, bounded by the command timeout).
 * - `reader`: replicas per `REDIS_READ_FROM`, falling back to the master.
 * - `producer`: fail-fast writes (BullMQ `Queue`): no offline queue, bounded timeouts.
 * - `blocking`: blocking commands (BullMQ `Worker`, `QueueEvents`): no command timeout, retries forever.
 * - `subscriber`: Pub/Sub.
 */
export type ConnectionRole = 'writer' | 'reader' | 'producer' | 'blocking' | 'subscriber';

export const CONNECTION_ROLES: readonly ConnectionRole[] = [
  'writer',
  'reader',
  'producer',
  'blocking',
  'subscriber',
];
