import type { Cluster, RedisOptions } from 'ioredis';
import type { Worker, WorkerOptions } from 'bullmq';

/**
 * How the library builds the workers of one of its queues: made by the queue's provider, kept in its module's
 * `REDIS_HA_WORKER_PLANS` map, used by the module's `QueueExplorer` and by a worker that replaces a stuck one.
 */
export interface WorkerPlan {
  /** The queue's name. */
  queueName: string;
  /** The blocking-role options `QueueEvents` of the queue are built with (cluster mode: a `Cluster` it copies). */
  eventsConnection: RedisOptions | Cluster;
  /** The blocking-role options of the worker's own connections (cluster mode: a `Cluster` it copies). */
  connection: RedisOptions | Cluster;
  /** The queue's BullMQ prefix (`queueKeyPrefix`): a worker of the queue must use it, whatever it was given. */
  prefix: string;
  /** Worker options the library sets, under those of `@Processor(name, options)`. */
  defaults: Partial<WorkerOptions>;
  /** `QUEUE_SHUTDOWN_TIMEOUT_MS`: bound of a graceful `close()`. */
  shutdownTimeoutMs: number;
  /** Called once the worker exists: registry, guard and reclaim hook in here. */
  adopt(worker: Worker): void;
}

/** The options a planned worker is built with: the library's defaults, the processor's options, our connection and prefix. */
export function plannedOptions(plan: WorkerPlan, options: WorkerOptions): WorkerOptions {
  return {
    ...plan.defaults,
    ...options,
    prefix: plan.prefix,
    connection: plan.connection as WorkerOptions['connection'],
  };
}
