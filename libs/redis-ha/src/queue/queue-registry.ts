import { Injectable } from '@nestjs/common';
import type { Queue, QueueEvents, Worker } from 'bullmq';
import { QueueNotRegisteredError } from '../errors/queue-not-registered.error';

/**
 * Every BullMQ Queue, Worker and QueueEvents the library runs, by queue name, so health checks, metrics and
 * graceful shutdown can find them. Provided (global) by the root module; filled by the queue feature.
 */
@Injectable()
export class QueueRegistry {
  readonly queues = new Map<string, Queue>();
  readonly workers = new Map<string, Worker[]>();
  readonly queueEvents = new Map<string, QueueEvents>();
  /**
   * Workers that replaced a worker found stuck (see the queue README's worker guard): they inherited the
   * listeners of the worker they replaced, so a watcher that put listeners on that one should not add them again.
   */
  readonly replacements = new WeakSet<Worker>();

  addQueue(queue: Queue): void {
    this.queues.set(queue.name, queue);
  }

  addWorker(worker: Worker): void {
    const workers = this.workers.get(worker.name) ?? [];
    if (!workers.includes(worker)) this.workers.set(worker.name, [...workers, worker]);
  }

  removeWorker(worker: Worker): void {
    this.workers.set(
      worker.name,
      (this.workers.get(worker.name) ?? []).filter((w) => w !== worker),
    );
  }

  /** Puts `replacement` in the place of the stuck `worker`. */
  replaceWorker(worker: Worker, replacement: Worker): void {
    this.replacements.add(replacement);
    this.removeWorker(worker);
    this.addWorker(replacement);
  }

  addQueueEvents(queueEvents: QueueEvents): void {
    this.queueEvents.set(queueEvents.name, queueEvents);
  }

  /** The queue registered as `name`; throws `QueueNotRegisteredError` (naming the registered ones) otherwise. */
  getQueue(name: string): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new QueueNotRegisteredError(name, [...this.queues.keys()]);
    return queue;
  }
}
