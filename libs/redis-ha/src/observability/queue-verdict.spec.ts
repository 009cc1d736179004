import type { QueueSample } from './queue-probe';
import { judgeQueue } from './queue-verdict';

const worker = { running: true, paused: false, connected: true };
const sample = (over: Partial<QueueSample> = {}): QueueSample => ({
  name: 'reports',
  counts: { waiting: 3, prioritized: 1, active: 2, delayed: 0, failed: 5, 'waiting-children': 0 },
  workers: [worker],
  ...over,
});

describe('judgeQueue', () => {
  const cases: Array<[string, QueueSample, number, Parameters<typeof judgeQueue>[2], string[]]> = [
    ['healthy, no limits but the default ones', sample(), 0, { maxWaiting: 10_000 }, []],
    ['no workers (a producer-only process) is fine', sample({ workers: [] }), 0, {}, []],
    [
      'a paused worker is deliberate',
      sample({ workers: [{ ...worker, running: false, paused: true }] }),
      0,
      {},
      [],
    ],
    [
      'a stopped worker',
      sample({ workers: [worker, { ...worker, running: false }] }),
      0,
      {},
      ['1 of 2 workers are not running'],
    ],
    [
      'a disconnected worker',
      sample({ workers: [{ ...worker, connected: false }] }),
      0,
      {},
      ['1 of 1 workers are not connected'],
    ],
    [
      'counts unreadable',
      sample({ counts: undefined, countsError: 'queue "reports" connection is reconnecting' }),
      0,
      {},
      ['job counts unavailable: queue "reports" connection is reconnecting'],
    ],
    [
      'waiting + prioritized over HEALTH_QUEUE_MAX_WAITING',
      sample(),
      0,
      { maxWaiting: 3 },
      ['4 jobs waiting (HEALTH_QUEUE_MAX_WAITING is 3)'],
    ],
    [
      'active over HEALTH_QUEUE_MAX_ACTIVE',
      sample(),
      0,
      { maxActive: 1 },
      ['2 jobs active (HEALTH_QUEUE_MAX_ACTIVE is 1)'],
    ],
    [
      'failed over HEALTH_QUEUE_MAX_FAILED',
      sample(),
      0,
      { maxFailed: 0 },
      ['5 jobs failed (HEALTH_QUEUE_MAX_FAILED is 0)'],
    ],
    [
      'stalled over HEALTH_QUEUE_MAX_STALLED',
      sample(),
      4,
      { maxStalled: 2 },
      ['4 jobs stalled in the last 5 min (HEALTH_QUEUE_MAX_STALLED is 2)'],
    ],
    [
      'at the limit is still fine',
      sample(),
      2,
      { maxWaiting: 4, maxActive: 2, maxFailed: 5, maxStalled: 2 },
      [],
    ],
  ];
  it.each(cases)('%s', (_name, input, stalls, limits, problems) => {
    const verdict = judgeQueue(input, stalls, limits);
    expect(verdict.problems).toEqual(problems);
    expect(verdict.status).toBe(problems.length === 0 ? 'up' : 'down');
  });
});
