import { Inject, Injectable } from '@nestjs/common';
import type { HealthConfig } from '../config/health.config';
import { REDIS_HA_HEALTH_CONFIG } from './observability.constants';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { QueueRegistry } from '../queue/queue-registry';
import { probeBudget } from './probe-budget';
import { QueueActivity } from './queue-activity';
import { sampleQueues } from './queue-probe';
import { judgeQueue } from './queue-verdict';

/**
 * Per BullMQ queue of the `QueueRegistry`: whether its workers run and are connected, and its waiting /
 * active / failed / recently stalled counts against `HEALTH_QUEUE_MAX_*`. `down` when any queue is.
 * Answers within `HEALTH_TIMEOUT_MS`.
 */
@Injectable()
export class QueueHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly registry: QueueRegistry,
    private readonly activity: QueueActivity,
    @Inject(REDIS_HA_HEALTH_CONFIG) private readonly settings: HealthConfig,
  ) {}

  async isHealthy<const Key extends string = 'queues'>(
    key: Key = 'queues' as Key,
  ): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    const h = this.settings;
    const limits = {
      maxWaiting: h.queueMaxWaiting,
      maxActive: h.queueMaxActive,
      maxFailed: h.queueMaxFailed,
      maxStalled: h.queueMaxStalled,
    };
    const samples = await sampleQueues(this.registry, probeBudget(h.timeoutMs));
    const queues: Record<string, unknown> = {};
    let down = 0;
    for (const sample of samples) {
      const stalled = this.activity.recentStalls(sample.name);
      const verdict = judgeQueue(sample, stalled, limits);
      if (verdict.status === 'down') down++;
      queues[sample.name] = {
        status: verdict.status,
        counts: sample.counts ?? null,
        workers: {
          total: sample.workers.length,
          running: sample.workers.filter((w) => w.running).length,
          paused: sample.workers.filter((w) => w.paused).length,
          connected: sample.workers.filter((w) => w.connected).length,
        },
        stalledLast5m: stalled,
        problems: verdict.problems,
      };
    }
    const data = { queues, limits };
    return down === 0 ? indicator.up(data) : indicator.down(data);
  }
}
