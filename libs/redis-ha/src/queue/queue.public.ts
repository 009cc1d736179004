// Public API of the queue feature, re-exported by index.ts.
export type { EvictionCheck } from '../config/queue.config';
export { QueueRegistry } from './queue-registry';
export { RedisHaQueue, type RedisHaJobsOptions, type RedisHaQueueSettings } from './redis-ha-queue';
export { RedisHaWorker } from './redis-ha-worker';
export { JobIdempotency, type OnceOptions } from './job-idempotency';
export { jobIdFor } from './job-id';
export { RedisHaQueueModule, type RegisterQueueOptions } from './register-queues';
export { QueueNotRegisteredError } from '../errors/queue-not-registered.error';
export { QueuePayloadError } from '../errors/queue-payload.error';
export { QueuePayloadTooLargeError } from '../errors/queue-payload-too-large.error';
export { QueueAddNotDurableError } from '../errors/queue-add-not-durable.error';
export { QueueEvictionPolicyError } from '../errors/queue-eviction-policy.error';
export { QueueJobInProgressError } from '../errors/queue-job-in-progress.error';
