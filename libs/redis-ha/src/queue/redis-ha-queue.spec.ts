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
  let probes: string[];

  beforeEach(() => {
    queue = new RedisHaQueue('q', { connection: { lazyConnect: true } }, settings);
    added = [];
    probes = [];
    jest.spyOn(Queue.prototype, 'add').mockImplementation(async (name, _data, opts) => {
      added.push({ name, opts: { ...opts } });
      return {
        id: (opts?.jobId as string) ?? '41',
        name,
        timestamp: 1000 + added.length,
        opts: { ...opts },
      } as Job;
    });
    const barrier = {
      ticket: () => ({}),
      confirm: () => (confirms.shift() ?? (async () => undefined))(),
      confirmOnThisConnection: async (probeKey: string) => {
        probes.push(probeKey);
        return (confirms.shift() ?? (async () => undefined))();
      },
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
  const onNewMaster = (job: Partial<Job> | undefined) =>
    jest.spyOn(queue, 'getJob').mockResolvedValue(job as Job);

  it("every add carries an id fixed before it is sent: the caller's, else a UUID (a resent add is idempotent)", async () => {
    await queue.add('report', { n: 1 }, { durable: false });
    await queue.add('report', { n: 2 }, { durable: false, jobId: 'invoice/7' });
    expect(added[0].opts.jobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(added[1].opts.jobId).toBe('invoice/7');
  });

  it('connection changed, the new master has this very job: a write and a WAIT on the new connection confirm it', async () => {
    confirms = [lost, async () => undefined];
    jest
      .spyOn(queue, 'getJob')
      .mockImplementation(async (id) => ({ id, name: 'report', timestamp: 1001 }) as Job);
    const job = await queue.add('report', { n: 1 });
    expect(job.id).toBe(added[0].opts.jobId);
    expect(added).toHaveLength(1);
    expect(probes).toEqual([`${queue.opts.prefix}:q:redis-ha:wait-probe`]);
  });

  it('connection changed, the new master lacks the job: added again with the same id, and that add confirmed', async () => {
    confirms = [lost, async () => undefined];
    onNewMaster(undefined);
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

  it('a failure while checking is reported as not durable (the add ran), never as "did not run"', async () => {
    confirms = [lost];
    jest
      .spyOn(queue, 'getJob')
      .mockRejectedValue(new Error('Command timed out: hgetall was not sent within 100 ms'));
    const err = await queue.add('report', { n: 1 }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(QueueAddNotDurableError);
    expect((err as Error).message).toMatch(/checking on the new one failed \(Command timed out/);
  });

  it('retries an add the master refused with NOREPLICAS (it did not run) until accepted, without reconnecting', async () => {
    let refusals = 2;
    (Queue.prototype.add as jest.Mock).mockImplementation(async (name: string) => {
      added.push({ name, opts: {} });
      if (refusals-- > 0) throw new Error('NOREPLICAS Not enough good replicas to write.');
      return { id: '9', name, timestamp: 1 } as Job;
    });
    const plainQueue = new RedisHaQueue(
      'p',
      { connection: { lazyConnect: true } },
      { ...settings, durableAdds: false },
    );
    try {
      await expect(plainQueue.add('report', { n: 1 })).resolves.toMatchObject({ id: '9' });
      expect(added).toHaveLength(3);
    } finally {
      await plainQueue.close();
    }
  });

  it('gives up on NOREPLICAS after addTimeoutMs with the last refusal', async () => {
    (Queue.prototype.add as jest.Mock).mockImplementation(async () => {
      throw new Error('NOREPLICAS Not enough good replicas to write.');
    });
    const plainQueue = new RedisHaQueue(
      'p',
      { connection: { lazyConnect: true } },
      { ...settings, durableAdds: false, addTimeoutMs: 200 },
    );
    try {
      const started = Date.now();
      await expect(plainQueue.add('report', { n: 1 })).rejects.toThrow(/^NOREPLICAS/);
      expect(Date.now() - started).toBeLessThan(200 + 100);
    } finally {
      await plainQueue.close();
    }
  });
});
