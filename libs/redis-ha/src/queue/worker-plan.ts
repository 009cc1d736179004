import type { RedisOptions } from 'ioredis';
import type { Worker, WorkerOptions } from 'bullmq';

/**
 * How the library builds the workers of one of its queues. @nestjs/bullmq's explorer creates the Worker of every
 * `@Processor()` (and the QueueEvents of every `@QueueEventsListener()`) from `queue.opts.connection`, through
 * the class set with `BullModule.workerClass`. The library puts a connection-options object of its own there
 * and files this plan under that very object, so `RedisHaWorker` recognises the workers of its queues by
 * identity (any other connection passes through untouched, also across apps in one process).
 */
export interface WorkerPlan {
  /** The blocking-role options of the worker's own connections (its command and its blocking connection). */
  connection: RedisOptions;
  /** `QUEUE_PREFIX`: a worker of the queue must use the queue's prefix, whatever it was given. */
  prefix: string;
  /** Worker options the library sets, under those of `@Processor(name, options)`. */
  defaults: Partial<WorkerOptions>;
  /** `QUEUE_SHUTDOWN_TIMEOUT_MS`: bound of a graceful `close()`. */
  shutdownTimeoutMs: number;
  /** Called once the worker exists: registry, guard and reclaim hook in here. */
  adopt(worker: Worker): void;
}

const plans = new WeakMap<object, WorkerPlan>();

/** Files `plan` under each of the connection-options objects the explorer may hand a worker. */
export function fileWorkerPlan(plan: WorkerPlan, ...connections: object[]): void {
  for (const connection of connections) plans.set(connection, plan);
}

export function workerPlanFor(connection: unknown): WorkerPlan | undefined {
  return typeof connection === 'object' && connection !== null ? plans.get(connection) : undefined;
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
