import { Injectable } from '@nestjs/common';
import type { Queue, QueueEvents, Worker } from 'bullmq';
import { QueueNotRegisteredError } from '../errors/queue-not-registered.error';

/**
 * Every BullMQ Queue, Worker and QueueEvents the library runs, by queue name, so health checks, metrics and
 * graceful shutdown can find them. Provided by the core module (which every feature imports), filled by the queue feature and read by health
 * and metrics, so those work with or without the queue module.
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
  private readonly workerListeners = new Set<(worker: Worker, replacement: boolean) => void>();

  /**
   * Calls `listener` for every worker registered so far and every one added from now on (`replacement`: it took
   * over a stuck worker and inherited its listeners). Returns the function that stops the calls.
   */
  onWorker(listener: (worker: Worker, replacement: boolean) => void): () => void {
    for (const workers of this.workers.values())
      for (const w of workers) listener(w, this.replacements.has(w));
    this.workerListeners.add(listener);
    return () => this.workerListeners.delete(listener);
  }

  addQueue(queue: Queue): void {
    this.queues.set(queue.name, queue);
  }

  addWorker(worker: Worker): void {
    const workers = this.workers.get(worker.name) ?? [];
    if (workers.includes(worker)) return;
    this.workers.set(worker.name, [...workers, worker]);
    for (const listener of this.workerListeners) listener(worker, this.replacements.has(worker));
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
