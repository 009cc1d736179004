/**
 * `npm run bench:queue`: BullMQ queues through the library vs raw BullMQ 6 (Sentinel connection options, defaults),
 * on a local cluster on port 27630 (down-after 2000 ms).
 *
 * 1. Throughput: 5,000 no-op jobs added (50 adds in flight) and processed (one worker, concurrency 50), end to
 *    end, library and raw alternating, 3 rounds each (median).
 * 2. SIGKILL of the master, 5 runs. In each run three queues work at once through the same kill: the library with
 *    durable adds, the library with plain adds, raw BullMQ. Each has a 2,000-job backlog being worked (2 ms jobs,
 *    concurrency 10: every fetch and completion in flight, the case that left jobs in `active` ~60 s) and a
 *    producer adding 100 jobs/s across the kill. Per queue: acknowledged adds never completed (lost), extra
 *    runs (duplicates), and when the last acknowledged job completed after the kill (raw waited up to 65 s).
 * 3. Manual SENTINEL FAILOVERs, library (durable) and raw at once, each working through a 3,000-job backlog
 *    (10 ms jobs) with a producer at 100 jobs/s: duplicates, and "ghosts" (acknowledged jobs the final master
 *    has no trace of), with redis/'s `min-replicas-to-write 1`. `BENCH_QUEUE_BASELINE=1` adds a run with 0,
 *    the server config of the raw baseline (docs/failover-findings.md), where only the client keeps jobs off the
 *    old master.
 *
 * Last line: {"libraryJobsPerSec":…,"rawJobsPerSec":…,"ratio":…,"lostJobs":…,"duplicateJobs":…,"allDoneAfterKillMs":…,
 * "rawAllDoneAfterKillMs":…,"failedAdds":…,"rawFailedAdds":…,"duplicateJobsSwitchover":…,"rawDuplicateJobsSwitchover":…}
 * (lost/duplicates: library durable, summed over the runs; failedAdds: library durable + plain adds that failed
 * across the SIGKILL runs; allDone: the worst run).
 */
import 'reflect-metadata';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Processor, WorkerHost, getQueueToken } from '@nestjs/bullmq';
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { QueueRegistry, RedisHaModule } from '@app/redis-ha';
import { RedisHaQueueModule, type RedisHaQueue, type RegisterQueueOptions } from '@app/redis-ha/queue';
import { LocalCluster } from '../tools/cluster/local-cluster';
import { median, note, printResult, round, runBench, sleep } from './lib/stats';
import { rawSentinelOptions } from './lib/raw-client';

const BASE_PORT = 27630;
const DOWN_AFTER_MS = 2000;
const TP_JOBS = 5000;
const TP_ROUNDS = 5;
const KILL_RUNS = 5;
const BACKLOG = 3000;
const RAW_WAIT_MS = 65_000;

/** What one queue did: starts and completions per job number, acknowledged adds. */
class Tally {
  readonly starts = new Map<number, number>();
  readonly completedAt = new Map<number, number>();
  readonly acked = new Set<number>();
  /** When each acknowledged add was acknowledged. */
  readonly ackedAt = new Map<number, number>();
  failedAdds = 0;

  /** Job id per acknowledged add, to look the job up on the final master. */
  readonly ids = new Map<number, string>();

  ack(n: number, id?: string): void {
    this.acked.add(n);
    this.ackedAt.set(n, Date.now());
    if (id) this.ids.set(n, id);
  }

  start(n: number): void {
    this.starts.set(n, (this.starts.get(n) ?? 0) + 1);
  }

  duplicates(): number {
    return [...this.starts.values()].reduce((sum, runs) => sum + runs - 1, 0);
  }

  lost(): number[] {
    return [...this.acked].filter((n) => !this.completedAt.has(n));
  }

  allDone(): boolean {
    return this.lost().length === 0;
  }

  /**
   * When the last job acknowledged before `at` (the kill) completed, after `at`; if one never did, how long we
   * waited (`waitedMs`). Jobs added later only measure the producer, not the recovery.
   */
  lastDoneAfter(at: number, waitedMs: number): number {
    const before = [...this.ackedAt].filter(([, t]) => t < at).map(([n]) => this.completedAt.get(n));
    if (before.some((t) => t === undefined)) return waitedMs;
    return Math.max(0, ...before.map((t) => t! - at));
  }
}

const tallies = new Map<string, Tally>();
const tally = (queue: string) => tallies.get(queue) ?? tallies.set(queue, new Tally()).get(queue)!;

/** The job: records its start, waits `data.ms`. Same body for the library's processors and raw workers. */
async function work(queue: string, job: Job<{ n: number; ms?: number }>): Promise<void> {
  tally(queue).start(job.data.n);
  if (job.data.ms) await sleep(job.data.ms);
}

function processorFor(queue: string, concurrency: number) {
  @Processor(queue, { concurrency })
  class BenchProcessor extends WorkerHost {
    process(job: Job<{ n: number; ms?: number }>): Promise<void> {
      return work(queue, job);
    }
  }
  return BenchProcessor;
}

interface Side {
  queue(name: string): Queue;
}

async function libraryApp(
  env: Record<string, string>,
  queues: Array<RegisterQueueOptions & { concurrency: number }>,
) {
  @Module({
    imports: [RedisHaModule.forRoot({ env }), RedisHaQueueModule.registerQueue(...queues)],
    providers: queues.map((q) => processorFor(q.name, q.concurrency)),
  })
  class BenchModule {}
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
  const registry = app.get(QueueRegistry);
  for (const q of queues) {
    for (const worker of registry.workers.get(q.name) ?? []) {
      worker.on('completed', (job: Job) => void tally(q.name).completedAt.set(job.data.n, Date.now()));
    }
  }
  return { app, queue: (name: string) => app.get<RedisHaQueue>(getQueueToken(name)) as Queue };
}

/** Raw BullMQ with Sentinel connection options and defaults: the baseline. */
function rawSide(connection: ConnectionOptions, queues: Array<{ name: string; concurrency: number }>) {
  const made = new Map<string, { queue: Queue; worker: Worker }>();
  for (const { name, concurrency } of queues) {
    const queue = new Queue(name, { connection, prefix: '{bull}' });
    const worker = new Worker(name, (job) => work(name, job), { connection, prefix: '{bull}', concurrency });
    queue.on('error', () => undefined);
    worker.on('error', () => undefined);
    worker.on('completed', (job: Job) => void tally(name).completedAt.set(job.data.n, Date.now()));
    made.set(name, { queue, worker });
  }
  return {
    queue: (name: string) => made.get(name)!.queue,
    ready: () => Promise.all([...made.values()].map(({ worker }) => worker.waitUntilReady())),
    close: () =>
      Promise.all(
        [...made.values()].map(async ({ queue, worker }) => Promise.all([worker.close(true), queue.close()])),
      ),
  };
}

/** CPU time (µs) this process spent per job in the last round: steadier than jobs/s on a shared machine. */
let lastCpuPerJob = 0;

/** Adds TP_JOBS no-op jobs with 50 in flight and waits until all completed: jobs per second, end to end. */
async function throughputRound(side: Side, name: string): Promise<number> {
  const t = tally(name);
  const cpu = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      for (let n = next++; n < TP_JOBS; n = next++) await side.queue(name).add('job', { n });
    }),
  );
  while (t.completedAt.size < TP_JOBS) await sleep(2);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  lastCpuPerJob = (used.user + used.system) / TP_JOBS;
  return TP_JOBS / seconds;
}

/** Adds one job numbered from `first` every 1000/rate ms for `ms`, fire and forget, recording acks. */
function steadyAdds(side: Side, name: string, first: number, ratePerS: number, ms: number): Promise<void> {
  const t = tally(name);
  const count = Math.round((ms / 1000) * ratePerS);
  const started = Date.now();
  const adds: Promise<void>[] = [];
  return (async () => {
    for (let i = 0; i < count; i++) {
      const due = started + (i * 1000) / ratePerS;
      if (due > Date.now()) await sleep(due - Date.now());
      const n = first + i;
      adds.push(
        side
          .queue(name)
          .add('job', { n })
          .then(
            (job) => t.ack(n, job.id),
            () => void t.failedAdds++,
          ),
      );
    }
    await Promise.all(adds);
  })();
}

/** Adds `count` jobs of `ms` each in one addBulk, acknowledged together. */
async function backlog(side: Side, name: string, count: number, ms: number): Promise<void> {
  const jobs = await side
    .queue(name)
    .addBulk(Array.from({ length: count }, (_, n) => ({ name: 'job', data: { n, ms } })));
  jobs.forEach((job, n) => tally(name).ack(n, job.id));
}

/** Acknowledged jobs the final master has no trace of: processed on a demoted master, then dropped with its data. */
async function ghosts(cluster: LocalCluster, name: string): Promise<number> {
  const admin = cluster.admin(await cluster.master());
  try {
    const ids = [...tally(name).ids.values()];
    const pipeline = admin.pipeline();
    for (const id of ids) pipeline.exists(`{bull}:${name}:${id}`);
    const replies = (await pipeline.exec()) ?? [];
    return replies.filter(([, exists]) => exists === 0).length;
  } finally {
    admin.disconnect();
  }
}

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await sleep(50);
}

async function heal(cluster: LocalCluster, port: number, killed: boolean): Promise<void> {
  if (killed) await cluster.startNode(port);
  await cluster.waitUntilHealthy(60_000);
}

/** Sets `min-replicas-to-write` on every node (CONFIG SET as the admin user). */
async function setMinReplicas(cluster: LocalCluster, value: number): Promise<void> {
  for (const port of cluster.redisPorts) {
    const admin = cluster.admin(port);
    await admin.config('SET', 'min-replicas-to-write', String(value)).finally(() => admin.disconnect());
  }
}

/**
 * One manual SENTINEL FAILOVER while each side works through a 3,000-job backlog (10 ms jobs, concurrency 10) with
 * a producer adding 100 jobs/s: duplicates (jobs of the backlog the new master still had waiting, processed on
 * the demoted master meanwhile) and ghosts (acknowledged jobs the final master has no trace of).
 */
async function switchover(cluster: LocalCluster, lib: Side, raw: ConnectionOptions, minReplicas: number) {
  const [libName, rawName] = [`switch-lib-${minReplicas}`, `switch-raw-${minReplicas}`];
  await setMinReplicas(cluster, minReplicas);
  const rawSwitch = rawSide(raw, [{ name: rawName, concurrency: 10 }]);
  try {
    await rawSwitch.ready();
    const oldMaster = await cluster.master();
    const producers = [
      steadyAdds(lib, libName, 100_000, 100, 10_000),
      steadyAdds(rawSwitch, rawName, 100_000, 100, 10_000),
    ];
    await Promise.all([backlog(lib, libName, BACKLOG, 10), backlog(rawSwitch, rawName, BACKLOG, 10)]);
    await waitFor(
      () => tally(libName).completedAt.size >= 600 && tally(rawName).completedAt.size >= 600,
      20_000,
    );
    const sw = cluster.nextSwitch(20_000);
    await sw.ready;
    await cluster.failover();
    await sw;
    await Promise.all(producers);
    await waitFor(() => tally(libName).allDone() && tally(rawName).allDone(), 40_000);
    const result = { library: tally(libName).duplicates(), raw: tally(rawName).duplicates() };
    const line = async (name: string) =>
      `duplicates ${tally(name).duplicates()}, ghosts ${await ghosts(cluster, name)}, never completed ${tally(name).lost().length}, failed adds ${tally(name).failedAdds}`;
    note(
      `switchover (min-replicas-to-write ${minReplicas}): library ${await line(libName)}; raw ${await line(rawName)}`,
    );
    await rawSwitch.close();
    await heal(cluster, oldMaster, false);
    return result;
  } finally {
    await setMinReplicas(cluster, 1);
  }
}

async function main(): Promise<void> {
  const cluster = await LocalCluster.start({
    basePort: BASE_PORT,
    downAfterMs: DOWN_AFTER_MS,
    failoverTimeoutMs: 5000,
  });
  const apps: INestApplicationContext[] = [];
  try {
    const env: Record<string, string> = { ...cluster.env(), QUEUE_WORKER_GUARD_INTERVAL_MS: '5000' };
    const raw = rawSentinelOptions(cluster) as ConnectionOptions;
    const rounds = Array.from({ length: TP_ROUNDS + 1 }, (_, i) => i); // round 0 warms up
    const killQueues = Array.from({ length: KILL_RUNS }, (_, r) => [
      { name: `kill-durable-${r}`, durableAdds: true, concurrency: 10 },
      { name: `kill-plain-${r}`, durableAdds: false, concurrency: 10 },
    ]).flat();
    const lib = await libraryApp(env, [
      ...rounds.map((i) => ({ name: `tp-lib-${i}`, concurrency: 50 })),
      ...killQueues,
      { name: 'switch-lib-1', durableAdds: true, concurrency: 10 },
      { name: 'switch-lib-0', durableAdds: true, concurrency: 10 },
    ]);
    apps.push(lib.app);

    // 1. Throughput, alternating.
    const rawTp = rawSide(
      raw,
      rounds.map((i) => ({ name: `tp-raw-${i}`, concurrency: 50 })),
    );
    await rawTp.ready();
    const libRuns: number[] = [];
    const rawRuns: number[] = [];
    const libCpu: number[] = [];
    const rawCpu: number[] = [];
    for (const i of rounds) {
      const l = await throughputRound(lib, `tp-lib-${i}`);
      const lc = lastCpuPerJob;
      const r = await throughputRound(rawTp, `tp-raw-${i}`);
      if (i === 0) continue; // warm-up
      libRuns.push(l);
      libCpu.push(lc);
      rawRuns.push(r);
      rawCpu.push(lastCpuPerJob);
    }
    await rawTp.close();
    const [libraryJobsPerSec, rawJobsPerSec] = [median(libRuns), median(rawRuns)];
    note(
      `throughput, ${TP_JOBS} jobs end to end, jobs/s: library ${libRuns.map((n) => round(n)).join(' / ')}, raw ${rawRuns.map((n) => round(n)).join(' / ')} -> ratio ${(libraryJobsPerSec / rawJobsPerSec).toFixed(3)}`,
    );
    note(
      `CPU per job (median, this process: adds and processing): library ${median(libCpu).toFixed(0)} µs, raw ${median(rawCpu).toFixed(0)} µs -> ratio ${(median(rawCpu) / median(libCpu)).toFixed(3)}`,
    );

    // 2. SIGKILL runs: library durable, library plain and raw through the same kill.
    const results: Array<
      Record<
        'durable' | 'plain' | 'raw',
        { unfinished: number; dup: number; allDone: number; failedAdds: number }
      >
    > = [];
    for (let r = 0; r < KILL_RUNS; r++) {
      const names = { durable: `kill-durable-${r}`, plain: `kill-plain-${r}`, raw: `kill-raw-${r}` };
      const rawKill = rawSide(raw, [{ name: names.raw, concurrency: 10 }]);
      await rawKill.ready();
      const sides: Record<keyof typeof names, Side> = { durable: lib, plain: lib, raw: rawKill };
      const producers = Object.entries(names).map(([k, name]) =>
        steadyAdds(sides[k as keyof typeof names], name, 100_000, 100, 8000),
      );
      await sleep(1000);
      for (const [k, name] of Object.entries(names)) {
        await backlog(sides[k as keyof typeof names], name, BACKLOG, 2);
      }
      // Kill while all three work through their backlog: every worker has fetches and completions in flight.
      await waitFor(
        () => Object.values(names).every((name) => tally(name).completedAt.size >= BACKLOG / 4),
        20_000,
      );
      const kill = await cluster.killMaster();
      await Promise.all(producers);
      await waitFor(() => tally(names.durable).allDone() && tally(names.plain).allDone(), 30_000);
      const healing = heal(cluster, kill.port, true);
      await waitFor(() => tally(names.raw).allDone(), kill.at + RAW_WAIT_MS - Date.now());
      await healing;
      const row = Object.fromEntries(
        Object.entries(names).map(([k, name]) => {
          const t = tally(name);
          const allDone = t.lastDoneAfter(kill.at, Date.now() - kill.at);
          return [k, { unfinished: t.lost().length, dup: t.duplicates(), allDone, failedAdds: t.failedAdds }];
        }),
      ) as (typeof results)[number];
      results.push(row);
      note(`SIGKILL run ${r + 1}: ${JSON.stringify(row)}`);
      await rawKill.close();
    }
    const sum = (k: 'durable' | 'plain' | 'raw', f: 'unfinished' | 'dup' | 'failedAdds') =>
      results.reduce((s, row) => s + row[k][f], 0);
    const worst = (k: 'durable' | 'plain' | 'raw') => Math.max(...results.map((row) => row[k].allDone));
    for (const k of ['durable', 'plain', 'raw'] as const) {
      note(
        `SIGKILL x${KILL_RUNS}, ${k}: acknowledged but not completed by the end of the wait ${sum(k, 'unfinished')}, duplicates ${sum(k, 'dup')}, failed adds ${sum(k, 'failedAdds')}, all done after the kill (ms): ${results.map((row) => row[k].allDone).join(' / ')}`,
      );
    }

    // 3. A manual switchover, library (durable adds) and raw at once, with redis/'s min-replicas-to-write 1; with
    // BENCH_QUEUE_BASELINE=1 also with 0, the raw baseline's server config in docs/failover-findings.md (only the
    // client keeps jobs off the old master).
    const switched = await switchover(cluster, lib, raw, 1);
    if (process.env.BENCH_QUEUE_BASELINE === '1') await switchover(cluster, lib, raw, 0);

    printResult({
      libraryJobsPerSec: round(libraryJobsPerSec),
      rawJobsPerSec: round(rawJobsPerSec),
      ratio: round(libraryJobsPerSec / rawJobsPerSec, 3),
      lostJobs: sum('durable', 'unfinished'),
      duplicateJobs: sum('durable', 'dup'),
      allDoneAfterKillMs: worst('durable'),
      rawAllDoneAfterKillMs: worst('raw'),
      failedAdds: sum('durable', 'failedAdds') + sum('plain', 'failedAdds'),
      rawFailedAdds: sum('raw', 'failedAdds'),
      duplicateJobsSwitchover: switched.library,
      rawDuplicateJobsSwitchover: switched.raw,
    });
  } finally {
    await Promise.all(apps.map((app) => app.close().catch(() => undefined)));
    await cluster.stop().catch(() => undefined);
  }
}

runBench(main);
