import { Test } from '@nestjs/testing';
import { InjectQueue, QueueEventsHost, QueueEventsListener } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Job, WorkerOptions } from 'bullmq';
import {
  JobIdempotency,
  QueueAddNotDurableError,
  QueueEvictionPolicyError,
  QueueJobInProgressError,
  QueueNotRegisteredError,
  QueuePayloadError,
  QueuePayloadTooLargeError,
  RedisHaQueue,
  RedisHaWorker,
  jobIdFor,
} from '@app/redis-ha/queue';
import { RedisHaModule } from '@app/redis-ha';
import { RedisHaQueueModule } from '@app/redis-ha/queue';
import { REDIS_HA_WORKER_PLANS } from '@app/redis-ha/queue/queue.constants';
import type { WorkerPlan } from '@app/redis-ha/queue/worker-plan';
import { LocalCluster } from '../tools/cluster/local-cluster';
import {
  JobLog,
  recordingProcessor,
  sleep,
  startQueueApp,
  waitUntil,
  type QueueApp,
  stopCluster,
} from './queue-e2e.helpers';

// Wiring, roles, bad input, durable adds, orphan reclaim, worker guard and in-process shutdown on the real
// cluster (no failover here: see queue-failover.e2e-spec.ts).
jest.setTimeout(60_000);

let cluster: LocalCluster;
let env: Record<string, string>;
const apps: QueueApp[] = [];

async function start(...args: Parameters<typeof startQueueApp>): Promise<QueueApp> {
  const app = await startQueueApp(...args);
  apps.push(app);
  return app;
}

async function admin<T>(...command: Array<string | number>): Promise<T> {
  const client = cluster.admin(await cluster.master());
  try {
    return (await client.call(String(command[0]), ...command.slice(1))) as T;
  } finally {
    client.disconnect();
  }
}

beforeAll(async () => {
  cluster = await LocalCluster.start({ basePort: 27300, downAfterMs: 2000, failoverTimeoutMs: 5000 });
  env = { ...cluster.env(), QUEUE_WORKER_GUARD_INTERVAL_MS: '0' };
});

afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close().catch(() => undefined)));
});

afterAll(async () => {
  await stopCluster(cluster);
});

describe('wiring through @nestjs/bullmq', () => {
  it('runs @Processor() workers, @InjectQueue() queues and @QueueEventsListener() on the library connections', async () => {
    const log = new JobLog();
    const seen: string[] = [];
    @QueueEventsListener('wired')
    class WiredEvents extends QueueEventsHost {}
    @Injectable()
    class Producer {
      constructor(@InjectQueue('wired') readonly queue: RedisHaQueue) {}
    }
    const qa = await start(
      env,
      [{ name: 'wired' }],
      [recordingProcessor('wired', log), WiredEvents, Producer],
    );
    const events = qa.app.get(WiredEvents).queueEvents;
    events.on('completed', ({ jobId }) => seen.push(jobId));
    await events.waitUntilReady();
    const producer = qa.app.get(Producer);
    expect(producer.queue).toBeInstanceOf(RedisHaQueue);
    for (let n = 0; n < 20; n++) await producer.queue.add('job', { n });
    await waitUntil('20 jobs done', () => log.finished.size === 20 && seen.length === 20);
    expect(log.completedEvents).toBe(20);
    expect(qa.registry.queues.get('wired')).toBe(producer.queue);
    expect(qa.registry.workers.get('wired')?.[0]).toBeInstanceOf(RedisHaWorker);
    expect(qa.registry.queueEvents.get('wired')).toBe(events);

    // Roles: a producer and workers that wait out a failover, no ioredis keyPrefix anywhere.
    const queueClient = (await producer.queue.getBackend().client) as unknown as {
      options: Record<string, unknown>;
    };
    const workerClient = (await qa.worker('wired').getBackend().client) as unknown as {
      options: Record<string, unknown>;
    };
    expect(queueClient.options).toMatchObject({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    expect(workerClient.options).toMatchObject({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    expect(queueClient.options.keyPrefix).toBeFalsy();
    expect(workerClient.options.keyPrefix).toBeFalsy();

    // CLIENT LIST names who is who; keys carry the hash-tagged prefix.
    const clients = await admin<string>('CLIENT', 'LIST');
    for (const name of ['queue:wired', 'queue:wired:worker']) {
      expect(clients).toMatch(new RegExp(`name=nestjs-redis-ha:${name} `));
    }
    // BullMQ names the worker's blocking connection and the QueueEvents connection itself: getWorkers() and
    // getQueueEvents() find them by these names.
    const base64 = Buffer.from('wired').toString('base64');
    expect(clients).toContain(`name={bull}:${base64} `);
    expect(clients).toContain(`name={bull}:${base64}:qe `);
    expect(await admin<string[]>('KEYS', '{bull}:wired:*')).toContain('{bull}:wired:meta');
    expect(await producer.queue.getWorkersCount()).toBe(1);
  });

  it('gives workers the QUEUE_* lock and stalled settings, under the @Processor() options', async () => {
    const qa = await start(
      {
        ...env,
        QUEUE_LOCK_DURATION_MS: '12000',
        QUEUE_STALLED_INTERVAL_MS: '7000',
        QUEUE_MAX_STALLED_COUNT: '3',
      },
      [{ name: 'tuned' }, { name: 'own', workerOptions: { concurrency: 4 } }],
      [
        recordingProcessor('tuned', new JobLog()),
        recordingProcessor('own', new JobLog(), 1, { lockDuration: 20_000 } as WorkerOptions),
      ],
    );
    expect(qa.worker('tuned').opts).toMatchObject({
      lockDuration: 12_000,
      stalledInterval: 7000,
      maxStalledCount: 3,
    });
    expect(qa.worker('own').opts).toMatchObject({
      lockDuration: 20_000,
      stalledInterval: 7000,
      concurrency: 4,
    });
  });

  it('refuses a @Processor() for a queue nobody registered, naming the registered ones', async () => {
    const compile = Test.createTestingModule({
      imports: [
        RedisHaModule.forRoot({ env: { ...env, REDIS_LAZY_CONNECT: 'true' } }),
        RedisHaQueueModule.registerQueue({ name: 'known' }),
      ],
      providers: [recordingProcessor('typo', new JobLog())],
    }).compile();
    const error = await compile.then(
      () => undefined,
      (err: Error) => err,
    );
    expect(error).toBeInstanceOf(QueueNotRegisteredError);
    expect(error?.message).toMatch(/queue "typo" is not registered \(registered: "known"\)/);
  });
});

describe('bad input at the call site', () => {
  it('refuses unserializable, oversized and unknown', async () => {
    const qa = await start({ ...env, QUEUE_MAX_PAYLOAD_BYTES: '1000' }, [{ name: 'strict' }]);
    const queue = qa.queue('strict');
    const circular: Record<string, unknown> = { a: { b: 1 } };
    (circular.a as Record<string, unknown>).self = circular;
    await expect(queue.add('x', circular)).rejects.toThrow(QueuePayloadError);
    await expect(queue.add('x', { user: { id: 10n } })).rejects.toThrow(/data\.user\.id is a BigInt/);
    await expect(queue.add('x', { tags: new Set(['a']) })).rejects.toThrow(/data\.tags is a Set/);
    await expect(queue.add('x', { run: () => 1 })).rejects.toThrow(/data\.run is a function/);
    await expect(
      queue.addBulk([
        { name: 'ok', data: {} },
        { name: 'big', data: 'x'.repeat(2000) },
      ]),
    ).rejects.toThrow(QueuePayloadTooLargeError);
    await expect(queue.add('big', { text: 'x'.repeat(2000) })).rejects.toThrow(
      /2011 bytes as JSON, over QUEUE_MAX_PAYLOAD_BYTES \(1000\)/,
    );
    expect(await queue.count()).toBe(0); // nothing was written
    await queue.add('fine', { n: 1, when: new Date(0) });
    expect(await queue.count()).toBe(1);
    expect(() => qa.registry.getQueue('nope')).toThrow(/"nope" is not registered \(registered: "strict"\)/);
  });
});

describe('startup check of maxmemory-policy', () => {
  afterEach(async () => {
    for (const port of cluster.redisPorts) {
      const client = cluster.admin(port);
      await client.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction').finally(() => client.disconnect());
    }
  });

  it('refuses to start on an evicting policy unless QUEUE_EVICTION_CHECK=warn', async () => {
    await admin('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    await expect(startQueueApp(env, [{ name: 'evict' }])).rejects.toThrow(QueueEvictionPolicyError);
    await expect(startQueueApp(env, [{ name: 'evict' }])).rejects.toThrow(
      /maxmemory-policy is "allkeys-lru"/,
    );
    const qa = await start({ ...env, QUEUE_EVICTION_CHECK: 'warn' }, [{ name: 'evict' }]);
    expect(qa.registry.queues.has('evict')).toBe(true);
  });
});

describe('durable adds', () => {
  it('resolve once a replica has the job, and fail clearly when none confirms in time', async () => {
    const qa = await start({ ...env, QUEUE_DURABLE_ADDS: 'true' }, [{ name: 'durable' }]);
    const queue = qa.queue('durable');
    const jobs = await Promise.all(Array.from({ length: 50 }, (_, n) => queue.add('job', { n })));
    expect(jobs).toHaveLength(50);
    const holders = await Promise.all(
      cluster.redisPorts.map(async (port) => {
        const client = cluster.admin(port);
        return client.exists(`{bull}:durable:${jobs[49].id}`).finally(() => client.disconnect());
      }),
    );
    expect(holders.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2); // the master and at least one replica

    const strict = await start(
      { ...env, QUEUE_DURABLE_ADDS: 'true', QUEUE_DURABLE_REPLICAS: '3', QUEUE_DURABLE_TIMEOUT_MS: '200' },
      [{ name: 'durable3' }],
    );
    const failure = strict.queue('durable3').add('job', { n: 1 });
    await expect(failure).rejects.toThrow(QueueAddNotDurableError);
    await expect(failure).rejects.toThrow(/only [0-2] of 3 replica\(s\) confirmed it within 200 ms/);
    await expect(strict.queue('durable3').add('job', { n: 2 }, { durable: false })).resolves.toBeDefined();
  });
});

describe('idempotency', () => {
  it('jobIdFor() adds one job per business key; JobIdempotency.once() runs a key once', async () => {
    const qa = await start(env, [{ name: 'idem' }]);
    const queue = qa.queue('idem');
    const id = jobIdFor('invoice', 42);
    await queue.add('send', { n: 1 }, { jobId: id });
    await queue.add('send', { n: 1 }, { jobId: id });
    expect(await queue.count()).toBe(1);

    const idem = qa.app.get(JobIdempotency);
    let runs = 0;
    const key = `idem-test-${Date.now()}`;
    const first = idem.once(key, async () => {
      runs++;
      await sleep(300);
      return { sent: true };
    });
    await sleep(50);
    await expect(idem.once(key, async () => ++runs)).rejects.toThrow(QueueJobInProgressError);
    await expect(first).resolves.toEqual({ sent: true });
    await expect(idem.once(key, async () => ++runs)).resolves.toEqual({ sent: true });
    expect(runs).toBe(1);
    const failing = `${key}-fails`;
    await expect(idem.once(failing, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(idem.once(failing, () => 'second try')).resolves.toBe('second try'); // a failed run releases the key
  });
});

describe('after a reconnect', () => {
  it('returns a job that a lost reply left in active under the worker lock, at once (not after the lock expires)', async () => {
    const log = new JobLog();
    const qa = await start(env, [{ name: 'orphan' }]);
    const queue = qa.queue('orphan');
    // Built as the module's QueueExplorer builds a processor's worker: from the queue's plan.
    const plan = qa.app.get<Map<string, WorkerPlan>>(REDIS_HA_WORKER_PLANS, { strict: false }).get('orphan');
    const worker = new RedisHaWorker(
      'orphan',
      async (job: Job<{ n: number }>) => {
        log.start(job.data.n);
        log.finish(job.data.n);
      },
      { autorun: false } as WorkerOptions,
      plan,
    );
    await worker.waitUntilReady();
    expect(qa.registry.workers.get('orphan')).toContain(worker); // adopted: the library's plan applied
    await queue.add('job', { n: 1 });
    // What a resent fetch leaves behind: the job moved to active under this worker's token, never delivered.
    await worker.getBackend().moveToActive(`${worker.tokenPrefix}9999`);
    expect(await queue.getActiveCount()).toBe(1);
    void worker.run();
    const client = (await worker.getBackend().client) as unknown as { disconnect(reconnect: boolean): void };
    const cut = Date.now();
    client.disconnect(true);
    await waitUntil('the orphan processed', () => log.finished.has(1), 5000);
    expect(Date.now() - cut).toBeLessThan(3000); // its lock alone would have kept it 30 s
    expect(log.duplicates()).toBe(0);
  });

  it('settles a completion whose first send was applied: no failure, no error', async () => {
    const log = new JobLog();
    const qa = await start(env, [{ name: 'replay' }], [recordingProcessor('replay', log, 200)]);
    const worker = qa.worker('replay');
    const errors: Error[] = [];
    worker.on('error', (err) => errors.push(err));
    const job = await qa.queue('replay').add('job', { n: 1 });
    await waitUntil('the job started', () => log.starts.has(1));
    // Complete it behind the worker's back with its own token, as the lost first send would have.
    const token = worker.heldJobs()[0].token;
    const completed = await qa.queue('replay').getJob(job.id!);
    await completed!.moveToCompleted({ n: 1 }, token, false);
    await waitUntil('the processor done', () => log.finished.has(1));
    await sleep(200);
    expect(await job.getState()).toBe('completed');
    expect(log.failedEvents).toBe(0);
    expect(errors).toEqual([]);
  });
});

describe('worker guard', () => {
  it('replaces a worker that stays idle while jobs wait, keeping its processor and listeners', async () => {
    const log = new JobLog();
    const qa = await start(
      { ...env, QUEUE_WORKER_GUARD_INTERVAL_MS: '400' },
      [{ name: 'guarded' }],
      [recordingProcessor('guarded', log)],
    );
    const queue = qa.queue('guarded');
    const stuck = qa.worker('guarded');
    await queue.add('job', { n: 1 });
    await waitUntil('first job', () => log.finished.has(1));
    await sleep(300); // drained: the worker now blocks waiting for the next job
    // A wait that never returns, the shape of BullMQ #3088/#4378: running, no error, no job taken.
    const backend = stuck.getBackend() as unknown as { waitForJob: () => Promise<unknown> };
    backend.waitForJob = () => new Promise(() => undefined);
    await stuck.getBackend().disconnectBlocking(false);
    await sleep(100);
    await queue.add('job', { n: 2 });
    const took = await waitUntil('the job taken by a replacement', () => log.finished.has(2), 8000);
    expect(took).toBeLessThan(6 * 400 + 1500);
    const replacement = qa.worker('guarded');
    expect(replacement).not.toBe(stuck);
    expect(qa.registry.replacements.has(replacement)).toBe(true);
    await waitUntil('the @OnWorkerEvent handler moved along', () => log.completedEvents === 2, 2000);
  });
});

describe('graceful close', () => {
  it('returns a job that outlives QUEUE_SHUTDOWN_TIMEOUT_MS to the queue and closes within the bound', async () => {
    const log = new JobLog();
    const qa = await startQueueApp(
      { ...env, QUEUE_SHUTDOWN_TIMEOUT_MS: '500' },
      [{ name: 'slow' }],
      [recordingProcessor('slow', log)],
    );
    const job = await qa.queue('slow').add('job', { n: 1, ms: 5000 });
    await waitUntil('the job started', () => log.starts.has(1));
    const started = Date.now();
    await qa.close();
    expect(Date.now() - started).toBeLessThan(500 + 2500);
    const next = await start(env, [{ name: 'slow' }]);
    expect(await next.queue('slow').getJobState(job.id!)).toBe('waiting');
  });
});
