/** Token of the queue names one `registerQueue()` module runs (module-scoped, one list per call). */
export const REDIS_HA_QUEUE_NAMES = 'REDIS_HA:QUEUE_NAMES';
/** Token of the `WorkerPlan` of each queue one `registerQueue()` module runs, by queue name (module-scoped). */
export const REDIS_HA_WORKER_PLANS = 'REDIS_HA:WORKER_PLANS';
/** Token of the validated queue settings (`QueueConfig`: `QUEUE_*` under the module's options). */
export const REDIS_HA_QUEUE_CONFIG = 'REDIS_HA:QUEUE_CONFIG';
/** Token of the startup check that every `@Processor()` names a registered queue. */
export const REDIS_HA_PROCESSOR_CHECK = 'REDIS_HA:PROCESSOR_CHECK';
/**
 * `@Processor()` metadata key of @nestjs/bullmq (`bull.constants.ts`, not exported from its index): read to
 * find processors of queues nobody registered before its explorer fails on them with a less helpful message.
 */
export const PROCESSOR_METADATA = 'bullmq:processor_metadata';
/** The other decorator metadata keys of @nestjs/bullmq (same file) that `QueueExplorer` reads. */
export const WORKER_METADATA = 'bullmq:worker_metadata';
export const QUEUE_EVENTS_LISTENER_METADATA = 'bullmq:queue_events_listener_metadata';
export const ON_QUEUE_EVENT_METADATA = 'bullmq:queue_events_metadata';
export const ON_WORKER_EVENT_METADATA = 'bullmq:worker_events_metadata';
/**
 * BullMQ's `runRetryDelay` for the library's workers: the pause before a fetch or a completion that failed on a
 * connection error is tried again. BullMQ's 15 s would hold a finished job's completion that long after a
 * failover; the connection layer already paces reconnects, so 1 s only bounds a tight loop.
 */
export const WORKER_RUN_RETRY_DELAY_MS = 1000;
