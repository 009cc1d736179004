/** Token of the queue names one `registerQueue()` module runs (module-scoped, one list per call). */
export const REDIS_HA_QUEUE_NAMES = 'REDIS_HA:QUEUE_NAMES';
/** Token of the startup check that every `@Processor()` names a registered queue. */
export const REDIS_HA_PROCESSOR_CHECK = 'REDIS_HA:PROCESSOR_CHECK';
/** `@Processor()` metadata key of @nestjs/bullmq: an internal of it, kept with the others. */
export { PROCESSOR_METADATA } from '../internals/bullmq';
/**
 * BullMQ's `runRetryDelay` for the library's workers: the pause before a fetch or a completion that failed on a
 * connection error is tried again. BullMQ's 15 s would hold a finished job's completion that long after a
 * failover; the connection layer already paces reconnects, so 1 s only bounds a tight loop.
 */
export const WORKER_RUN_RETRY_DELAY_MS = 1000;
