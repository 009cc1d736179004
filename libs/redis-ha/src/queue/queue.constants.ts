/** Token of the queue names one `registerQueue()` module runs (module-scoped, one list per call). */
export const REDIS_HA_QUEUE_NAMES = 'REDIS_HA:QUEUE_NAMES';
/** Token of the `WorkerPlan` of each queue one `registerQueue()` module runs, by queue name (module-scoped). */
export const REDIS_HA_WORKER_PLANS = 'REDIS_HA:WORKER_PLANS';
/** Token of the validated queue settings (`QueueConfig`: `QUEUE_*` under the module's options). */
export const REDIS_HA_QUEUE_CONFIG = 'REDIS_HA:QUEUE_CONFIG';
/** Token of the startup check that every `@Processor()` names a registered queue. */
export const REDIS_HA_PROCESSOR_CHECK = 'REDIS_HA:PROCESSOR_CHECK';
/** Decorator metadata keys of @nestjs/bullmq (internals: see internals/bullmq.ts). */
export {
  ON_QUEUE_EVENT_METADATA,
  ON_WORKER_EVENT_METADATA,
  PROCESSOR_METADATA,
  QUEUE_EVENTS_LISTENER_METADATA,
  WORKER_METADATA,
} from '../internals/bullmq';
/**
 * BullMQ's `runRetryDelay` for the library's workers: the pause before a fetch or a completion that failed on a
 * connection error is tried again. BullMQ's 15 s would hold a finished job's completion that long after a
 * failover; the connection layer already paces reconnects, so 1 s only bounds a tight loop.
 */
export const WORKER_RUN_RETRY_DELAY_MS = 1000;
