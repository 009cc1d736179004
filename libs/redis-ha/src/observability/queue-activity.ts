import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Job, Worker } from 'bullmq';
import { QueueRegistry } from '../queue/queue-registry';
import { HistogramSeries } from './callback-metric';

/** Upper bounds in seconds of the job duration histogram: from no-op jobs to reports that take minutes. */
export const JOB_DURATION_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
];

/** Stalled jobs count against `HEALTH_QUEUE_MAX_STALLED` for this long. */
export const STALLED_WINDOW_MS = 5 * 60_000;

export interface QueueCounters {
  completed: number;
  failed: number;
  stalled: number;
  /** When recent stalls happened (ms timestamps within `STALLED_WINDOW_MS`). */
  stalledAt: number[];
  durations: HistogramSeries;
}

/**
 * Listens to the events of every worker in the `QueueRegistry` (completed, failed, stalled) and keeps per-queue
 * totals and job durations, for the metrics and for the queue health indicator's stalled count.
 */
@Injectable()
export class QueueActivity implements OnModuleInit, OnApplicationShutdown {
  private readonly counters = new Map<string, QueueCounters>();
  private stopWatching: (() => void) | undefined;

  constructor(private readonly registry: QueueRegistry) {}

  /**
   * Listens to every worker the registry has and gets. A worker that replaced a stuck one (the queue feature's
   * worker guard) inherited that one's listeners, ours included: it is not watched twice.
   */
  onModuleInit(): void {
    this.stopWatching ??= this.registry.onWorker((worker, replacement) => {
      if (!replacement) this.watch(worker.name, worker);
    });
  }

  onApplicationShutdown(): void {
    this.stopWatching?.();
    this.stopWatching = undefined;
  }

  /** Totals per queue name, for every queue seen so far. */
  all(): ReadonlyMap<string, QueueCounters> {
    return this.counters;
  }

  /** Jobs of `queue` reported stalled within the last `STALLED_WINDOW_MS`. */
  recentStalls(queue: string, now = Date.now()): number {
    const c = this.counters.get(queue);
    if (!c) return 0;
    c.stalledAt = c.stalledAt.filter((t) => now - t < STALLED_WINDOW_MS);
    return c.stalledAt.length;
  }

  private of(queue: string): QueueCounters {
    let c = this.counters.get(queue);
    if (!c) {
      c = {
        completed: 0,
        failed: 0,
        stalled: 0,
        stalledAt: [],
        durations: new HistogramSeries(JOB_DURATION_BUCKETS),
      };
      this.counters.set(queue, c);
    }
    return c;
  }

  private watch(queue: string, worker: Worker): void {
    const c = this.of(queue);
    worker.on('completed', (job: Job) => {
      c.completed++;
      if (job?.processedOn && job.finishedOn)
        c.durations.observe(Math.max(0, job.finishedOn - job.processedOn) / 1000);
    });
    worker.on('failed', () => c.failed++);
    worker.on('stalled', () => {
      c.stalled++;
      c.stalledAt.push(Date.now());
    });
  }
}
