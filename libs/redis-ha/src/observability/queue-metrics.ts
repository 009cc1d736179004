import type { Registry } from 'prom-client';
import { probeBudget } from './probe-budget';
import { QueueActivity } from './queue-activity';
import { sampleQueues, type QueueSample } from './queue-probe';
import type { QueueRegistry } from '../queue/queue-registry';
import { CallbackMetric, register, type Sample } from './callback-metric';

/**
 * BullMQ queues of the `QueueRegistry`: depth per state and workers (read at scrape time, each queue within
 * `HEALTH_TIMEOUT_MS`), and job durations, failures and stalls counted from the workers' events.
 */
export class QueueMetrics {
  private inFlight: Promise<QueueSample[]> | undefined;

  constructor(
    private readonly registry: QueueRegistry,
    private readonly activity: QueueActivity,
    private readonly timeoutMs: number,
  ) {}

  registerOn(registry: Registry, prefix: string): void {
    register(
      registry,
      new CallbackMetric(
        `${prefix}queue_jobs`,
        'Jobs per queue and state (waiting, prioritized, active, delayed, failed, waiting-children)',
        'gauge',
        async () =>
          (await this.samples()).flatMap((s) =>
            Object.entries(s.counts ?? {}).map(([state, value]): Sample => ({
              labels: { queue: s.name, state },
              value,
            })),
          ),
      ),
    );
    register(
      registry,
      new CallbackMetric(
        `${prefix}queue_workers`,
        'Workers per queue: total, running, paused and connected (command and blocking connections ready)',
        'gauge',
        async () =>
          (await this.samples()).flatMap((s) => {
            const n = (f: (w: QueueSample['workers'][number]) => boolean) => s.workers.filter(f).length;
            return [
              { labels: { queue: s.name, state: 'total' }, value: s.workers.length },
              { labels: { queue: s.name, state: 'running' }, value: n((w) => w.running) },
              { labels: { queue: s.name, state: 'paused' }, value: n((w) => w.paused) },
              { labels: { queue: s.name, state: 'connected' }, value: n((w) => w.connected) },
            ];
          }),
      ),
    );
    const totals = (
      name: string,
      help: string,
      pick: (c: { completed: number; failed: number; stalled: number }) => number,
    ) =>
      register(
        registry,
        new CallbackMetric(`${prefix}${name}`, help, 'counter', () =>
          [...this.activity.all()].map(([queue, c]): Sample => ({ labels: { queue }, value: pick(c) })),
        ),
      );
    totals('queue_jobs_completed_total', "Jobs completed by this process's workers", (c) => c.completed);
    totals(
      'queue_jobs_failed_total',
      "Job attempts that failed in this process's workers (retries count again)",
      (c) => c.failed,
    );
    totals(
      'queue_jobs_stalled_total',
      "Jobs this process's workers found stalled (lock lost, moved back to wait)",
      (c) => c.stalled,
    );
    const duration = `${prefix}queue_job_duration_seconds`;
    register(
      registry,
      new CallbackMetric(
        duration,
        'Processing time of completed jobs (processedOn to finishedOn)',
        'histogram',
        () => [...this.activity.all()].flatMap(([queue, c]) => c.durations.samples(duration, { queue })),
      ),
    );
  }

  /** One sample per scrape: the series of one scrape are read together and share it. */
  private samples(): Promise<QueueSample[]> {
    this.inFlight ??= sampleQueues(this.registry, probeBudget(this.timeoutMs)).finally(
      () => (this.inFlight = undefined),
    );
    return this.inFlight;
  }
}
