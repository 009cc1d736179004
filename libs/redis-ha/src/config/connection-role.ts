/**
 * What a connection is used for; each role gets ioredis options chosen for it (see `connection-options.ts`).
 * - `writer`: the master, for commands that must not fail during a failover (queued, bounded by the command timeout).
 * - `reader`: replicas per `REDIS_READ_FROM`, falling back to the master.
 * - `producer`: BullMQ `Queue` adds: wait out a failover like the writer, bounded by the command timeout; no keyPrefix.
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
