import { Injectable } from '@nestjs/common';
import type { Queue, QueueEvents, Worker } from 'bullmq';

/**
 * Every BullMQ Queue, Worker and QueueEvents the library runs, by queue name, so health checks, metrics and
 * graceful shutdown can find them. Provided (global) by the root module; filled by the queue feature.
 */
@Injectable()
export class QueueRegistry {
  readonly queues = new Map<string, Queue>();
  readonly workers = new Map<string, Worker[]>();
  readonly queueEvents = new Map<string, QueueEvents>();

  addQueue(queue: Queue): void {
    this.queues.set(queue.name, queue);
  }

  addWorker(worker: Worker): void {
    this.workers.set(worker.name, [...(this.workers.get(worker.name) ?? []), worker]);
  }

  removeWorker(worker: Worker): void {
    this.workers.set(worker.name, (this.workers.get(worker.name) ?? []).filter((w) => w !== worker));
  }
}
