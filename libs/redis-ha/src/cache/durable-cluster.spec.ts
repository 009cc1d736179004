import type { Cluster } from 'ioredis';
import { durableSetOnCluster } from './durable-cluster';

type Reply = [Error | null, unknown];

/** A cluster whose pipelines answer `[SET reply, WAIT reply]` from the list, recording what was queued. */
function fakeCluster(answers: Reply[][]) {
  const sent: unknown[][][] = [];
  const cluster = {
    pipeline: () => {
      const queued: unknown[][] = [];
      const chain = {
        set: (...args: unknown[]) => (queued.push(['set', ...args]), chain),
        wait: (...args: unknown[]) => (queued.push(['wait', ...args]), chain),
        exec: async () => (
          sent.push(queued),
          answers.shift() ?? [
            [null, 'OK'],
            [null, 1],
          ]
        ),
      };
      return chain;
    },
  } as unknown as Cluster;
  return { cluster, sent };
}

const moved = new Error('MOVED 866 127.0.0.1:28101');
const closed = new Error('Connection is closed.');

describe('durableSetOnCluster', () => {
  it('sends SET and WAIT in one pipeline (routed by the key: its own shard) and confirms', async () => {
    const { cluster, sent } = fakeCluster([]);
    const result = await durableSetOnCluster(cluster, 'k', 'v', 1000, 1, 200, Date.now() + 1000);
    expect(result).toEqual({ confirmed: true, replicas: 1, required: 1, attempts: 1 });
    expect(sent).toEqual([
      [
        ['set', 'k', 'v', 'PX', 1000],
        ['wait', 1, 200],
      ],
    ]);
  });

  it('reports replicas-timeout when WAIT counts fewer replicas than required, as in sentinel mode', async () => {
    const { cluster } = fakeCluster([
      [
        [null, 'OK'],
        [null, 0],
      ],
    ]);
    const result = await durableSetOnCluster(cluster, 'k', 'v', 1000, 1, 200, Date.now() + 1000);
    expect(result).toEqual({
      confirmed: false,
      replicas: 0,
      required: 1,
      attempts: 1,
      reason: 'replicas-timeout',
    });
  });

  it('sends the pair again after a MOVED SET (the old node WAITed for nothing) or a WAIT cut off after its SET', async () => {
    const { cluster, sent } = fakeCluster([
      [
        [moved, undefined],
        [null, 1],
      ],
      [
        [null, 'OK'],
        [closed, undefined],
      ],
      [
        [null, 'OK'],
        [null, 1],
      ],
    ]);
    const result = await durableSetOnCluster(cluster, 'k', 'v', 1000, 1, 200, Date.now() + 2000);
    expect(result).toMatchObject({ confirmed: true, attempts: 3 });
    expect(sent).toHaveLength(3);
  });

  it('says connection-changed when every attempt until the deadline was split', async () => {
    const answers = Array.from({ length: 100 }, (): Reply[] => [
      [moved, undefined],
      [null, 1],
    ]);
    const { cluster } = fakeCluster(answers);
    const result = await durableSetOnCluster(cluster, 'k', 'v', 1000, 1, 200, Date.now() + 120);
    expect(result).toMatchObject({ confirmed: false, replicas: 0, reason: 'connection-changed' });
    expect(result.attempts).toBeGreaterThan(1);
  });

  it('rejects on a timeout or any other SET error: the caller answers from the fallback', async () => {
    const timeout = new Error('Command timed out, outcome unknown: set');
    const { cluster } = fakeCluster([
      [
        [timeout, undefined],
        [timeout, undefined],
      ],
    ]);
    await expect(durableSetOnCluster(cluster, 'k', 'v', 1000, 1, 200, Date.now() + 1000)).rejects.toBe(
      timeout,
    );
    const waitTimeout = new Error('Command timed out, outcome unknown: wait');
    const second = fakeCluster([
      [
        [null, 'OK'],
        [waitTimeout, undefined],
      ],
    ]);
    await expect(durableSetOnCluster(second.cluster, 'k', 'v', 1000, 1, 200, Date.now() + 1000)).rejects.toBe(
      waitTimeout,
    );
    const oom = new Error('OOM command not allowed');
    const third = fakeCluster([
      [
        [oom, undefined],
        [null, 0],
      ],
    ]);
    await expect(durableSetOnCluster(third.cluster, 'k', 'v', 1000, 1, 200, Date.now() + 1000)).rejects.toBe(
      oom,
    );
  });
});
