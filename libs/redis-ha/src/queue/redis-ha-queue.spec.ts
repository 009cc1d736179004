import { Queue, type Job } from 'bullmq';
import { QueueAddNotDurableError } from '../errors/queue-add-not-durable.error';
import { RedisHaQueue } from './redis-ha-queue';
import type { ReplicaBarrier } from './replica-barrier';

/**
 * The durable add's one retry after a failover, with BullMQ's `Queue.add` and the replica barrier stubbed (the
 * failover suites and `bench:queue` run the real thing): only what the retry sends is checked here.
 */
describe('RedisHaQueue durable add', () => {
  const settings = { maxPayloadBytes: 1024, durableAdds: true, durableReplicas: 1, durableTimeoutMs: 100 };
  let queue: RedisHaQueue;
  let added: Array<{ name: string; opts: Record<string, unknown> }>;
  let confirms: Array<() => Promise<void>>;

  beforeEach(() => {
    queue = new RedisHaQueue('q', { connection: { lazyConnect: true } }, settings);
    added = [];
    jest.spyOn(Queue.prototype, 'add').mockImplementation(async (name, _data, opts) => {
      added.push({ name, opts: { ...opts } });
      return { id: (opts?.jobId as string) ?? '41' } as Job;
    });
    const barrier = {
      ticket: () => ({}),
      confirm: () => (confirms.shift() ?? (async () => undefined))(),
    } as unknown as ReplicaBarrier;
    jest
      .spyOn(queue as unknown as { replicaBarrier(): Promise<ReplicaBarrier> }, 'replicaBarrier')
      .mockResolvedValue(barrier);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await queue.close();
  });

  const lost = async () => {
    throw new QueueAddNotDurableError(
      'q',
      '41',
      'the connection changed before a replica confirmed it',
      'connection',
    );
  };
  const fewReplicas = async () => {
    throw new QueueAddNotDurableError('q', '41', 'only 0 of 1 replica(s) confirmed it within 100 ms');
  };

  it('when the connection changed: confirms the job the new master has, without adding it again', async () => {
    confirms = [lost, async () => undefined];
    jest.spyOn(queue, 'getJob').mockResolvedValue({ id: '41' } as Job);
    const job = await queue.add('report', { n: 1 });
    expect(job.id).toBe('41');
    expect(added).toHaveLength(1);
    expect(queue.getJob).toHaveBeenCalledWith('41');
  });

  it('when the connection changed and the new master lacks the job: adds it again and confirms that', async () => {
    confirms = [lost, async () => undefined];
    jest.spyOn(queue, 'getJob').mockResolvedValue(undefined);
    await queue.add('report', { n: 1 }, { jobId: 'invoice/7' });
    expect(added).toEqual([
      { name: 'report', opts: { jobId: 'invoice/7' } },
      { name: 'report', opts: { jobId: 'invoice/7' } },
    ]);
  });

  it('does not retry when the replicas did not confirm in time (the connection was fine)', async () => {
    confirms = [fewReplicas];
    await expect(queue.add('report', { n: 1 })).rejects.toThrow(/only 0 of 1 replica/);
    expect(added).toHaveLength(1);
  });

  it('retries once: a second lost connection is reported', async () => {
    confirms = [lost, lost];
    jest.spyOn(queue, 'getJob').mockResolvedValue(undefined);
    await expect(queue.add('report', { n: 1 })).rejects.toMatchObject({ kind: 'connection' });
    expect(added).toHaveLength(2);
  });
});
