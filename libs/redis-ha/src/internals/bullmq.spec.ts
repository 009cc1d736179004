import { Processor, QueueEventsHost, WorkerHost } from '@nestjs/bullmq';
import { createIORedisClient, Queue, QueueEvents, RedisQueueBackend, Worker } from 'bullmq';
import Redis, { Cluster, type ClusterOptions } from 'ioredis';
import {
  backendBlockingRedis,
  backendRedis,
  hostedQueueEvents,
  hostedWorker,
  PROCESSOR_METADATA,
  setHostedWorker,
  WORKER_OVERRIDES,
  workerProcessor,
} from './bullmq';
import { assertBullmqInternals, probeBullmqInternals, probeNestBullmqInternals } from './bullmq-check';

/**
 * One test per BullMQ / @nestjs/bullmq internal of internals/bullmq.ts: an upgrade that moves one fails here by
 * name. No Redis: workers are built on lazyConnect options, which BullMQ never connects by itself.
 */
describe('BullMQ internals', () => {
  const workers: Worker[] = [];
  const lazy = { host: '127.0.0.1', port: 1, lazyConnect: true };
  const lazyWorker = (processor = async () => 'done') => {
    const worker = new Worker('redis-ha-internals-spec', processor, { connection: lazy, autorun: false });
    workers.push(worker);
    return worker;
  };
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.close(true)));
  });

  it('Worker.processFn', () => {
    const processor = async () => 'done';
    expect(workerProcessor(lazyWorker(processor))).toBe(processor);
  });

  it.each(WORKER_OVERRIDES)('Worker.%s', (name) => {
    expect(typeof (Worker.prototype as unknown as Record<string, unknown>)[name]).toBe('function');
  });

  it('RedisQueueBackend.client / blockingClient', () => {
    const worker = lazyWorker();
    expect(worker.getBackend()).toBeInstanceOf(RedisQueueBackend);
    expect(backendRedis(worker)).toBeInstanceOf(Promise);
    expect(backendBlockingRedis(worker)).toBeInstanceOf(Promise);
    expect(typeof Queue.prototype.getBackend).toBe('function');
  });

  it.each(['moveJobFromActiveToWait', 'disconnectBlocking', 'reconnectBlocking'])(
    'RedisQueueBackend.%s',
    (name) => {
      expect(typeof (RedisQueueBackend.prototype as unknown as Record<string, unknown>)[name]).toBe(
        'function',
      );
    },
  );

  it('ioredis client proxy forwards ioredis members', () => {
    const raw = new Redis({ lazyConnect: true });
    const proxy = createIORedisClient(raw) as unknown as Redis;
    expect(proxy.status).toBe(raw.status);
    expect(proxy.commandQueue).toBe(raw.commandQueue);
    expect(proxy.stream).toBe(raw.stream);
    for (const method of [
      'call',
      'info',
      'lrange',
      'mget',
      'llen',
      'zcard',
      'pttl',
      'hmget',
      'zadd',
    ] as const)
      expect(typeof proxy[method]).toBe('function');
  });

  it('WorkerHost._worker', () => {
    class Host extends WorkerHost {
      async process(): Promise<void> {}
    }
    const host = new Host();
    expect(hostedWorker(host)).toBeUndefined();
    expect(() => host.worker).toThrow();
    const worker = lazyWorker();
    setHostedWorker(host, worker);
    expect(hostedWorker(host)).toBe(worker);
    expect(host.worker).toBe(worker);
  });

  it('QueueEventsHost._queueEvents', () => {
    class Host extends QueueEventsHost {}
    const host = new Host();
    expect(hostedQueueEvents(host)).toBeUndefined();
    const queueEvents = { name: 'q' };
    Object.assign(host, { _queueEvents: queueEvents }); // what @nestjs/bullmq's explorer does
    expect(hostedQueueEvents(host)).toBe(queueEvents);
    expect(host.queueEvents).toBe(queueEvents);
  });

  it('@Processor() metadata key', () => {
    @Processor('q')
    class Host extends WorkerHost {
      async process(): Promise<void> {}
    }
    expect(Reflect.getMetadata(PROCESSOR_METADATA, Host)).toMatchObject({ name: 'q' });
  });

  it('the startup probe finds every internal on the installed BullMQ and @nestjs/bullmq', () => {
    expect(probeBullmqInternals()).toEqual([]);
    expect(probeNestBullmqInternals()).toEqual([]);
    expect(() => assertBullmqInternals()).not.toThrow();
  });

  it('the startup check names the version and each missing internal', () => {
    expect(() => assertBullmqInternals({ version: '7.0.0', probe: () => ['Worker#processFn'] })).toThrow(
      /^bullmq 7\.0\.0 \(installed\) lacks internals .*: Worker#processFn\. Supported: bullmq 6\.x/,
    );
    expect(() =>
      assertBullmqInternals({ nest: { version: '12.0.0', probe: () => ['WorkerHost#_worker'] } }),
    ).toThrow(
      /^@nestjs\/bullmq 12\.0\.0 \(installed\) lacks .*WorkerHost#_worker\. Supported: @nestjs\/bullmq 11\.x/,
    );
  });

  it('a Worker runs its commands on a Cluster it is given and copies it through its duplicate() for BZPOPMIN, named; QueueEvents copies it (queue/cluster-connections.ts)', async () => {
    const lazyCluster = () =>
      new Cluster([{ host: '127.0.0.1', port: 1 }], {
        lazyConnect: true,
        redisOptions: { maxRetriesPerRequest: null },
      });
    const template = lazyCluster();
    const copies: Array<ClusterOptions | undefined> = [];
    template.duplicate = (_nodes?: unknown, options?: ClusterOptions) => {
      copies.push(options);
      return lazyCluster();
    };
    const worker = new Worker('redis-ha-internals-spec', async () => 'done', {
      connection: template,
      autorun: false,
    });
    workers.push(worker);
    // The blocking copy is named `<prefix>:<base64 queue name>`: getWorkers() looks for that name.
    expect(copies.map((options) => options?.redisOptions?.connectionName)).toEqual([
      `bull:${Buffer.from('redis-ha-internals-spec').toString('base64')}`,
    ]);
    const events = new QueueEvents('redis-ha-internals-spec', { connection: template, autorun: false });
    events.on('error', () => undefined); // it connects its copy at once: nothing listens on port 1
    expect(copies).toHaveLength(2);
    await events.close().catch(() => undefined);
    template.disconnect();
  });
});
