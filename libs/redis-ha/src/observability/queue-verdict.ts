import type { QueueSample } from './queue-probe';

/** `HEALTH_QUEUE_MAX_*`: undefined means "not checked". */
export interface QueueThresholds {
  maxWaiting?: number;
  maxActive?: number;
  maxFailed?: number;
  maxStalled?: number;
}

export interface QueueVerdict {
  status: 'up' | 'down';
  problems: string[];
}

/**
 * A queue is `down` when its counts cannot be read, when one of its workers stopped or lost its connection (a
 * worker silently idle after a failover is the failure to catch), or when a count passes its threshold. A
 * paused worker is reported, not `down`: pausing is deliberate.
 */
export function judgeQueue(sample: QueueSample, recentStalls: number, limits: QueueThresholds): QueueVerdict {
  const problems: string[] = [];
  if (sample.countsError) problems.push(`job counts unavailable: ${sample.countsError}`);
  const stopped = sample.workers.filter((w) => !w.running && !w.paused).length;
  if (stopped > 0) problems.push(`${stopped} of ${sample.workers.length} workers are not running`);
  const offline = sample.workers.filter((w) => !w.connected).length;
  if (offline > 0) problems.push(`${offline} of ${sample.workers.length} workers are not connected`);
  const counts = sample.counts ?? {};
  const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
  const checks: Array<[string, number, number | undefined, string]> = [
    ['waiting', waiting, limits.maxWaiting, 'HEALTH_QUEUE_MAX_WAITING'],
    ['active', counts.active ?? 0, limits.maxActive, 'HEALTH_QUEUE_MAX_ACTIVE'],
    ['failed', counts.failed ?? 0, limits.maxFailed, 'HEALTH_QUEUE_MAX_FAILED'],
    ['stalled in the last 5 min', recentStalls, limits.maxStalled, 'HEALTH_QUEUE_MAX_STALLED'],
  ];
  for (const [what, value, limit, setting] of checks) {
    if (limit !== undefined && value > limit) problems.push(`${value} jobs ${what} (${setting} is ${limit})`);
  }
  return { status: problems.length === 0 ? 'up' : 'down', problems };
}
