import { Logger, type Type } from '@nestjs/common';
import { QueueEventsHost, QueueEventsListener } from '@nestjs/bullmq';
import type { Cluster } from 'ioredis';
import type { Socket } from 'node:net';
import { CapturingLogger } from './helpers/ha-app';
import { JobIdempotency } from '@app/redis-ha/queue';
import { LocalRedisCluster } from '../tools/cluster/redis-cluster';
import {
  JobLog,
  recordingProcessor,
  sleep,
  startQueueApp,
  waitUntil,
  type QueueApp,
} from './queue-e2e.helpers';

/**
 * BullMQ queues on a real Redis Cluster (3 primaries + 3 replicas, cluster-node-timeout 2000 ms, ports
 * 28300-28305, buses 18300-18305): three queues whose hash tags land on three different shards, worked by one
 * worker each (concurrency 10, 5 ms jobs), through a SIGKILL of one queue's primary and then planned
 * `CLUSTER FAILOVER`s of each queue's shard in turn (3,000 jobs each), then a SIGSTOP, and a provoked wedge of
 * a worker's blocking connection. Per fault: jobs lost (added, never completed), extra runs against the jobs in
 * flight at the fault, when the last job of the batch completed after it, and the victim queue's longest stall. Raw BullMQ 6 through the same SIGKILL: 0 lost,
 * the ~10 jobs in flight ran twice and the last finished 59.6-89.6 s after the kill (docs/failover-findings.md, "Raw ioredis and BullMQ on Redis Cluster").
 */
const NODE_TIMEOUT_MS = 2000;
const BOUND_MS = NODE_TIMEOUT_MS + 10_000;
const CONCURRENCY = 10;
const JOB_MS = 5;
const FAILOVERS = 5;

function longestGap(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted.reduce((gap, t, i) => (i === 0 ? 0 : Math.max(gap, t - sorted[i - 1])), 0);
}

interface Figures {
  fault: string;
  queue: string;
  jobs: number;
  lost: number;
  duplicates: number;
  /** Jobs of the victim's queue started before the fault and not acknowledged before it. */
  inFlight: number;
  /** The same over all queues: what a fault may run twice (the queue README's bound on duplicates). */
  inFlightAll: number;
  lastDoneAfterMs: number;
  /** When the replica answered ROLE master, after the fault. */
  promotedAfterMs: number;
  /** The victim queue's first completion after that. */
  victimResumeAfterPromotionMs: number;
  /** The longest time without a completion on the victim's queue while its batch was worked. */
  victimStallMs: number;
}

describe('Queues on Redis Cluster: hash-tagged queues through shard failovers', () => {
  let cluster: LocalRedisCluster;
  let app: QueueApp | undefined;
  const log = new JobLog();
  const queueOf = new Map<number, string>();
  const names: string[] = [];
  const figures: Figures[] = [];
  const logs = new (class extends CapturingLogger {
    override debug(message: unknown): void {
      this.lines.push(`debug ${String(message)}`); // kept (failover noise, settled completions), not printed
    }
  })();
  let next = 0;

  /** Three queue names whose keys (`bull:{<name>}:...`) are served by three different primaries. */
  async function queuesOnThreeShards(): Promise<string[]> {
    const byShard = new Map<number, string>();
    for (let i = 0; byShard.size < 3 && i < 100; i++) {
      const name = `cq${i}`;
      const shard = await cluster.primaryOfSlot(cluster.slotOf(`bull:{${name}}:${name}:wait`));
      if (!byShard.has(shard)) byShard.set(shard, name);
    }
    return [...byShard.values()];
  }

  let Events: Type<QueueEventsHost>;

  beforeAll(async () => {
    cluster = await LocalRedisCluster.start({ basePort: 28300, nodeTimeoutMs: NODE_TIMEOUT_MS });
    names.push(...(await queuesOnThreeShards()));
    @QueueEventsListener(names[1])
    class QueueEventsOfOne extends QueueEventsHost {}
    Events = QueueEventsOfOne;
    app = await startQueueApp(
      cluster.env(),
      names.map((name) => ({ name, workerOptions: { concurrency: CONCURRENCY } })),
      [...names.map((name) => recordingProcessor(name, log, JOB_MS)), Events],
    );
    Logger.overrideLogger(logs); // what the library logged through the faults, summed up in afterAll
  }, 60_000);

  afterAll(async () => {
    if (figures.length > 0) console.log(`queue-cluster figures:\n${JSON.stringify(figures, null, 1)}`);
    const warnings = logs.lines
      .filter((line) => /^(warn|error) /.test(line))
      .map((line) => line.slice(0, 160));
    const settled = logs.lines.filter((line) => /was already finished/.test(line)).length;
    console.log(
      `queue-cluster repeated completions settled quietly (their first send had been applied): ${settled}`,
    );
    console.log(`queue-cluster library warnings and errors (${warnings.length}):\n${warnings.join('\n')}`);
    Logger.overrideLogger(['error']);
    await app?.close().catch(() => undefined);
    await cluster?.stop();
  });

  /** Adds `perQueue` jobs to each queue (their numbers in `log`), resolves with the numbers. */
  async function addBatch(perQueue: number): Promise<number[]> {
    const added: number[] = [];
    await Promise.all(
      names.map(async (name) => {
        const jobs = Array.from({ length: perQueue }, () => {
          const n = next++;
          queueOf.set(n, name);
          added.push(n);
          return { name: 'job', data: { n } };
        });
        for (let i = 0; i < jobs.length; i += 100) await app!.queue(name).addBulk(jobs.slice(i, i + 100));
      }),
    );
    return added;
  }

  /** Waits until `victim`'s worker is busy (half its slots running jobs), so the fault hits it mid-batch. */
  async function untilBusy(victim: string): Promise<void> {
    const running = () => log.inFlight(Date.now()).filter((n) => queueOf.get(n) === victim).length;
    await waitUntil(`${victim} busy`, () => running() >= CONCURRENCY / 2, 10_000);
  }

  /** Waits for `batch` to complete (bounded), then records the figures of `fault` at `at` on `victim`'s queue. */
  async function settle(
    fault: string,
    victim: string,
    { at, promotedAt }: { at: number; promotedAt: number },
    batch: number[],
  ): Promise<Figures> {
    await waitUntil(
      `the ${fault} batch to complete`,
      () => batch.every((n) => log.completedAt.has(n)),
      60_000,
    ).catch(() => undefined); // the figures below say what is missing
    await sleep(500); // late duplicate runs
    const done = batch.filter((n) => log.completedAt.has(n));
    const victimDone = done.filter((n) => queueOf.get(n) === victim).map((n) => log.completedAt.get(n)!);
    const entry: Figures = {
      fault,
      queue: victim,
      jobs: batch.length,
      lost: batch.length - done.length,
      duplicates: batch.reduce((sum, n) => sum + (log.starts.get(n)?.length ?? 1) - 1, 0),
      inFlight: log.inFlight(at).filter((n) => queueOf.get(n) === victim).length,
      inFlightAll: log.inFlight(at).length,
      lastDoneAfterMs: Math.max(...done.map((n) => log.completedAt.get(n)!)) - at,
      promotedAfterMs: promotedAt - at,
      victimResumeAfterPromotionMs: Math.min(...victimDone.filter((t) => t >= promotedAt)) - promotedAt,
      victimStallMs: longestGap(victimDone),
    };
    figures.push(entry);
    console.log(`queue-cluster ${JSON.stringify(entry)}`);
    return entry;
  }

  it('gives each queue its own hash tag: the three queues are served by three primaries (CLUSTER KEYSLOT)', async () => {
    expect(names).toHaveLength(3);
    const admin = cluster.admin(28300);
    try {
      const shards = new Set<number>();
      for (const name of names) {
        const queue = app!.queue(name);
        expect(queue.opts.prefix).toBe(`bull:{${name}}`);
        expect(queue.keys.wait).toBe(`bull:{${name}}:${name}:wait`);
        // Every key of the queue maps to the slot of its tag, as Redis computes it.
        const slot = Number(await admin.call('CLUSTER', 'KEYSLOT', queue.keys.wait));
        expect(Number(await admin.call('CLUSTER', 'KEYSLOT', queue.keys.active))).toBe(slot);
        expect(Number(await admin.call('CLUSTER', 'KEYSLOT', queue.keys.marker))).toBe(slot);
        shards.add(await cluster.primaryOfSlot(slot));
      }
      expect(shards.size).toBe(3);
    } finally {
      admin.disconnect();
    }
    // QueueEvents (XREAD BLOCK on the queue's events stream) on its own factory Cluster, too.
    const events = app!.app.get(Events).queueEvents;
    const completedIds = new Set<string>();
    events.on('completed', ({ jobId }) => completedIds.add(jobId));
    await events.waitUntilReady();
    const batch = await addBatch(20);
    await waitUntil('the first jobs', () => batch.every((n) => log.completedAt.has(n)));
    expect(log.duplicates()).toBe(0);
    await waitUntil('their completed events', () => completedIds.size === 20);
    for (const name of names) {
      // BullMQ's getWorkers() finds the worker's blocking connection by the name BullMQ gave it (CLIENT LIST of
      // every node): the factory's copy kept it.
      expect(await app!.queue(name).getWorkers()).toHaveLength(1);
      // The worker's connections are the factory's Clusters (followed by the topology), not ioredis' bare copies.
      const blocking = (await app!.worker(name).getBackend().blockingClient) as unknown as Cluster;
      expect(blocking.isCluster).toBe(true);
      expect(blocking.listenerCount('refresh')).toBeGreaterThan(0);
    }
  });

  it("durable adds and once() send their WAIT to the primary of the key's slot; once() runs a key once on any shard", async () => {
    // A WAIT confirms only its own connection's writes, so it must reach the primary that took the write (a WAIT
    // on a connection without writes returns every replica at once: only the node's count proves the route).
    const waitsOn = async (key: string) => {
      const admin = cluster.admin(await cluster.primaryOfSlot(cluster.slotOf(key)));
      const stats = (await admin.info('commandstats').finally(() => admin.disconnect())) as string;
      return Number(/cmdstat_wait:calls=(\d+)/.exec(stats)?.[1] ?? 0);
    };
    for (const name of names) {
      const n = next++;
      queueOf.set(n, name);
      const before = await waitsOn(app!.queue(name).keys.wait);
      const job = await app!.queue(name).add('job', { n }, { durable: true });
      expect(job.id).toBeDefined();
      expect(await waitsOn(app!.queue(name).keys.wait)).toBeGreaterThan(before);
      await waitUntil(`durable job of ${name}`, () => log.completedAt.has(n));
    }
    const idempotency = app!.app.get(JobIdempotency);
    let runs = 0;
    for (const key of ['a', 'b', 'c', 'd', 'e', 'f']) {
      const before = await waitsOn(`bull:idempotency:k-${key}`);
      expect(await idempotency.once(`k-${key}`, () => ++runs)).toBe(runs);
      expect(await waitsOn(`bull:idempotency:k-${key}`)).toBeGreaterThan(before);
      await idempotency.once(`k-${key}`, () => ++runs);
    }
    expect(runs).toBe(6);
  });

  it('SIGKILL of a queue shard primary while 2,000 jobs are worked: 0 lost, duplicates <= in flight, all done <= node timeout + 10 s', async () => {
    const victimQueue = names[0];
    const victim = await cluster.primaryOfSlot(cluster.slotOf(app!.queue(victimQueue).keys.wait));
    const batch = await addBatch(Math.ceil(2000 / names.length));
    await untilBusy(victimQueue);
    const { at } = await cluster.kill(victim);
    try {
      const { promotedAt } = await cluster.waitForPromotion(victim);
      const entry = await settle('SIGKILL', victimQueue, { at, promotedAt }, batch);
      expect(entry.lost).toBe(0);
      expect(entry.inFlight).toBeGreaterThan(0); // the fault hit the queue mid-batch
      expect(entry.duplicates).toBeLessThanOrEqual(entry.inFlightAll);
      expect(entry.lastDoneAfterMs).toBeLessThanOrEqual(BOUND_MS);
    } finally {
      await cluster.restart(victim); // it rejoins as a replica of the promoted one
      await cluster.waitUntilHealthy();
    }
  }, 120_000);

  it(`${FAILOVERS} planned CLUSTER FAILOVERs in a row, each queue's shard in turn: 0 lost, duplicates <= in flight, each done <= node timeout + 10 s`, async () => {
    for (let i = 0; i < FAILOVERS; i++) {
      const victimQueue = names[i % names.length];
      const primary = await cluster.primaryOfSlot(cluster.slotOf(app!.queue(victimQueue).keys.wait));
      const batch = await addBatch(1000);
      await untilBusy(victimQueue);
      const switched = await cluster.failover(await cluster.replicaOf(primary));
      const entry = await settle(`CLUSTER FAILOVER ${i + 1}`, victimQueue, switched, batch);
      expect(entry.lost).toBe(0);
      expect(entry.inFlight).toBeGreaterThan(0); // the fault hit the queue mid-batch
      expect(entry.duplicates).toBeLessThanOrEqual(entry.inFlightAll);
      expect(entry.lastDoneAfterMs).toBeLessThanOrEqual(BOUND_MS);
      await cluster.waitUntilHealthy();
    }
  }, 300_000);

  it('SIGSTOP of a queue shard primary (a hang: no error, no MOVED): 0 lost, all done <= node timeout + 10 s', async () => {
    const victimQueue = names[2];
    const frozen = await cluster.primaryOfSlot(cluster.slotOf(app!.queue(victimQueue).keys.wait));
    const batch = await addBatch(1000);
    await untilBusy(victimQueue);
    const { at } = await cluster.pause(frozen);
    try {
      const { promotedAt } = await cluster.waitForPromotion(frozen);
      const entry = await settle('SIGSTOP', victimQueue, { at, promotedAt }, batch);
      expect(entry.lost).toBe(0);
      expect(entry.inFlight).toBeGreaterThan(0); // the fault hit the queue mid-batch
      expect(entry.duplicates).toBeLessThanOrEqual(entry.inFlightAll);
      expect(entry.lastDoneAfterMs).toBeLessThanOrEqual(BOUND_MS);
    } finally {
      await cluster.resume(frozen); // it wakes as a primary, learns it was replaced, resyncs as a replica
      await cluster.waitUntilHealthy();
    }
  }, 120_000);

  it('leaves no worker wedged: each worker takes new jobs after the last failover, none is in active', async () => {
    const started = Date.now();
    const batch = await addBatch(10);
    await waitUntil('new jobs on every queue', () => batch.every((n) => log.completedAt.has(n)), 10_000);
    const tookMs = Date.now() - started;
    console.log(`queue-cluster after the failovers: 30 new jobs done in ${tookMs} ms`);
    // QueueEvents kept reading its stream through the failovers of its shard (UNBLOCKED, then the new primary).
    const seen = new Set<string>();
    const events = app!.app.get(Events).queueEvents;
    const onCompleted = ({ jobId }: { jobId: string }) => seen.add(jobId);
    events.on('completed', onCompleted);
    const job = await app!.queue(names[1]).add('job', { n: next++ });
    await waitUntil('a completed event after the failovers', () => seen.has(job.id!), 10_000);
    events.off('completed', onCompleted);
    for (const name of names) {
      expect(app!.worker(name).isRunning()).toBe(true);
      const counts = await app!.queue(name).getJobCounts('active', 'wait');
      expect(counts).toEqual({ active: 0, wait: 0 });
    }
    expect(log.failedEvents).toBe(0);
  });

  it('finds a wedged blocking connection (its BZPOPMIN gets no reply while jobs wait) and replaces its sockets within 2 guard intervals (BullMQ watchdog: 31 s)', async () => {
    // The wedge is provoked by no longer reading the worker's blocking sockets (a reply that never comes, as from
    // a frozen or replaced node); drainDelay 30 puts BullMQ's own watchdog at 31 s, so only the guard can end it.
    const wedgeLog = new JobLog();
    const name = 'cwedge';
    const other = await startQueueApp(
      cluster.env(),
      [{ name, workerOptions: { drainDelay: 30 } }],
      [recordingProcessor(name, wedgeLog, 1)],
      { queue: { workerGuardIntervalMs: 1000 } },
    );
    Logger.overrideLogger(logs); // the new app set its own
    try {
      await other.queue(name).add('job', { n: 0 });
      await waitUntil('the first job', () => wedgeLog.completedAt.has(0));
      await sleep(300); // drained: the worker waits in BZPOPMIN
      const blocking = (await other.worker(name).getBackend().blockingClient) as unknown as Cluster;
      for (const node of blocking.nodes('all')) (node as unknown as { stream?: Socket }).stream?.pause();
      const at = Date.now();
      await other
        .queue(name)
        .addBulk(Array.from({ length: 20 }, (_, i) => ({ name: 'job', data: { n: i + 1 } })));
      const tookMs = await waitUntil('jobs after the wedge', () => wedgeLog.completedAt.size === 21, 20_000);
      console.log(
        `queue-cluster wedge: 20 jobs done ${Date.now() - at} ms after they were added to a wedged worker`,
      );
      expect(tookMs).toBeLessThanOrEqual(4000); // found within 2 guard intervals, then a reconnect and 20 jobs
      expect(logs.lines.some((line) => /is wedged: its BZPOPMIN has had no reply/.test(line))).toBe(true);
    } finally {
      await other.close();
    }
  }, 60_000);
});
