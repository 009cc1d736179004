/**
 * The one place that touches internals of BullMQ 6 and @nestjs/bullmq 11 (protected or private members, and
 * behaviour their typings do not promise). Type-only imports: loading this file loads neither package.
 * `assertBullmqInternals()` (bullmq-check.ts) verifies at startup that each one is there; bullmq.spec.ts has one
 * test per internal.
 *
 * Also relied on, outside this file:
 * - `RedisHaWorker` overrides the protected `Worker` methods in `WORKER_OVERRIDES` (TypeScript checks them at
 *   build time through `override`; the startup check at run time).
 * - The decorator metadata keys below: the library's `QueueExplorer` reads @nestjs/bullmq's decorators the way
 *   @nestjs/bullmq's own explorer does.
 */
import type { QueueEventsHost, WorkerHost } from '@nestjs/bullmq';
import type { Processor, QueueEvents, Worker } from 'bullmq';
import type Redis from 'ioredis';

/** Protected (and one public) `Worker` methods `RedisHaWorker` overrides; BullMQ calls each on its hot path. */
export const WORKER_OVERRIDES = [
  'nextJobFromJobData',
  'processJob',
  'handleCompleted',
  'handleFailed',
] as const;

/**
 * `@Processor()` metadata key of @nestjs/bullmq (`bull.constants.ts`, not exported from its index): read to find
 * processors of queues nobody registered before its explorer fails on them with a less helpful message.
 */
export const PROCESSOR_METADATA = 'bullmq:processor_metadata';
/** The other decorator metadata keys of @nestjs/bullmq (same file) that the library's `QueueExplorer` reads. */
export const WORKER_METADATA = 'bullmq:worker_metadata';
export const QUEUE_EVENTS_LISTENER_METADATA = 'bullmq:queue_events_listener_metadata';
export const ON_QUEUE_EVENT_METADATA = 'bullmq:queue_events_metadata';
export const ON_WORKER_EVENT_METADATA = 'bullmq:worker_events_metadata';

/** The processor function a worker runs (protected `processFn`; for a file processor, BullMQ's sandbox wrapper). */
export function workerProcessor(worker: Worker): Processor {
  return (worker as unknown as { processFn: Processor }).processFn;
}

/** The worker @nestjs/bullmq's explorer put on a `@Processor()` host (private `_worker`); undefined before init. */
export function hostedWorker(host: WorkerHost): Worker | undefined {
  return (host as unknown as { _worker?: Worker })._worker;
}

/** Puts `worker` on the host (in place of any earlier one), so `host.worker` answers it. */
export function setHostedWorker(host: WorkerHost, worker: Worker): void {
  (host as unknown as { _worker?: Worker })._worker = worker;
}

/** The QueueEvents of a `@QueueEventsListener()` host (private `_queueEvents`); undefined before init. */
export function hostedQueueEvents(host: QueueEventsHost): QueueEvents | undefined {
  return (host as unknown as { _queueEvents?: QueueEvents })._queueEvents;
}

/** Puts `queueEvents` on the host, so `host.queueEvents` answers it. */
export function setHostedQueueEvents(host: QueueEventsHost, queueEvents: QueueEvents): void {
  (host as unknown as { _queueEvents?: QueueEvents })._queueEvents = queueEvents;
}

/** What `Queue` and `Worker` share: a Redis backend whose `client` / `blockingClient` are BullMQ's. */
interface BackendOwner {
  getBackend(): { client: Promise<unknown>; blockingClient?: Promise<unknown> };
}

/**
 * The queue's or worker's command connection as an ioredis client. BullMQ 6 types it as its own `IRedisClient`
 * (`getBackend().client`, a "Redis-specific escape hatch"); for a connection built from ioredis options it is a
 * Proxy over the ioredis instance that forwards every other member (`status`, `stream`, `call`, `info`, events).
 */
export function backendRedis(owner: BackendOwner): Promise<Redis> {
  return owner.getBackend().client as Promise<Redis>;
}

/** The worker's blocking connection as an ioredis client (see `backendRedis`); undefined if it has none. */
export function backendBlockingRedis(owner: BackendOwner): Promise<Redis> | undefined {
  return owner.getBackend().blockingClient as Promise<Redis> | undefined;
}
