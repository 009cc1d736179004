// nestjs-redis-ha/queue: BullMQ queues on the HA connections. Peers checked first, so a missing one fails with
// the package to install.
import { requirePeers } from '../peers/require-peers';

requirePeers('nestjs-redis-ha/queue', ['@nestjs/bullmq', 'bullmq']);

export { RedisHaQueueModule, type RedisHaQueueModuleOptions } from './redis-ha-queue.module';
export type { RegisterQueueOptions } from './queue.providers';
export { REDIS_HA_QUEUE_CONFIG } from './queue.constants';
export { queueNamesFromEnv, type QueueConfig } from '../config/queue.config';
export type { EvictionCheck } from '../config/queue.config';
export { QueueRegistry } from './queue-registry';
export { RedisHaQueue, type RedisHaJobsOptions, type RedisHaQueueSettings } from './redis-ha-queue';
export { RedisHaWorker } from './redis-ha-worker';
export { JobIdempotency, type OnceOptions } from './job-idempotency';
export { jobIdFor } from './job-id';
export { QueueNotRegisteredError } from '../errors/queue-not-registered.error';
export { QueuePayloadError } from '../errors/queue-payload.error';
export { QueuePayloadTooLargeError } from '../errors/queue-payload-too-large.error';
export { QueueAddNotDurableError } from '../errors/queue-add-not-durable.error';
export { QueueEvictionPolicyError } from '../errors/queue-eviction-policy.error';
export { QueueJobInProgressError } from '../errors/queue-job-in-progress.error';
