import type { INestApplication, Provider, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { OnWorkerEvent, Processor, WorkerHost, getQueueToken } from '@nestjs/bullmq';
import type { Job, WorkerOptions } from 'bullmq';
import { QueueRegistry, RedisHaModule } from '@app/redis-ha';
import {
  RedisHaQueueModule,
  RedisHaWorker,
  type QueueConfig,
  type RedisHaQueue,
  type RegisterQueueOptions,
} from '@app/redis-ha/queue';
import type { RedisHaModuleOptions } from '@app/redis-ha';
import type { LocalCluster } from '../tools/cluster/local-cluster';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `cluster.stop()`, once more after a second if removing its temp dir failed: a Redis child still finishing a
 * background AOF rewrite or RDB save (forked, so not among the pids the launcher kills) can write into it.
 */
export async function stopCluster(cluster: LocalCluster | undefined): Promise<void> {
  if (!cluster) return;
  try {
    await cluster.stop();
  } catch {
    await sleep(1000);
    await cluster.stop();
  }
}

/** Polls `check` every 25 ms until it is true; throws with `what` after `timeoutMs`. Returns the time it took. */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
  return Date.now() - started;
}

/** What every job of a test did, by job id (job data carries `{ n }`, a unique number per add). */
export class JobLog {
  /** Processing starts per `n` (more than one: the job ran twice). */
  readonly starts = new Map<number, number[]>();
  /** Completion time per `n` (first processing run that returned). */
  readonly finished = new Map<number, number>();
  /** First `completed` event (`@OnWorkerEvent('completed')`: the completion was acknowledged) per `n`. */
  readonly completedAt = new Map<number, number>();
  /** `completed` events seen by `@OnWorkerEvent('completed')`. */
  completedEvents = 0;
  failedEvents = 0;

  start(n: number): void {
    this.starts.set(n, [...(this.starts.get(n) ?? []), Date.now()]);
  }

  finish(n: number): void {
    if (!this.finished.has(n)) this.finished.set(n, Date.now());
  }

  /** Extra runs over all jobs: a job started twice counts 1. */
  duplicates(): number {
    return [...this.starts.values()].reduce((sum, runs) => sum + runs.length - 1, 0);
  }

  /**
   * Jobs in flight at `at`: started before it, completion not acknowledged before `since` (default `at`). These
   * are the jobs a failover at `at` may run twice.
   */
  inFlight(at: number, since = at): number[] {
    return [...this.starts]
      .filter(([n, runs]) => runs[0] < at && !((this.completedAt.get(n) ?? Infinity) < since))
      .map(([n]) => n);
  }

  /** First processing start at or after `at` (ms timestamp), if any. */
  firstStartAfter(at: number): number | undefined {
    const after = [...this.starts.values()].flat().filter((t) => t >= at);
    return after.length > 0 ? Math.min(...after) : undefined;
  }
}

/** A `@Processor()` for `queue` that records into `log` and takes `jobMs` (or `job.data.ms`) per job. */
export function recordingProcessor(
  queue: string,
  log: JobLog,
  jobMs = 2,
  workerOptions?: WorkerOptions,
): Type<WorkerHost> {
  @Processor(queue, workerOptions as Parameters<typeof Processor>[1])
  class RecordingProcessor extends WorkerHost {
    async process(job: Job<{ n: number; ms?: number }>): Promise<{ n: number }> {
      log.start(job.data.n);
      await sleep(job.data.ms ?? jobMs);
      log.finish(job.data.n);
      return { n: job.data.n };
    }

    @OnWorkerEvent('completed')
    onCompleted(job: Job<{ n: number }>): void {
      log.completedEvents++;
      if (!log.completedAt.has(job.data.n)) log.completedAt.set(job.data.n, Date.now());
    }

    @OnWorkerEvent('failed')
    onFailed(): void {
      log.failedEvents++;
    }
  }
  return RecordingProcessor;
}

export interface QueueApp {
  app: INestApplication;
  registry: QueueRegistry;
  queue(name: string): RedisHaQueue;
  worker(name: string): RedisHaWorker;
  close(): Promise<void>;
}

/** RedisHaModule on the local cluster with `queues` registered and `providers` (processors) in the same module. */
export async function startQueueApp(
  env: Record<string, string>,
  queues: RegisterQueueOptions[],
  providers: Provider[] = [],
  options: Omit<RedisHaModuleOptions, 'env'> & { queue?: Partial<QueueConfig> } = {},
): Promise<QueueApp> {
  const { queue: settings, ...core } = options;
  const moduleRef = await Test.createTestingModule({
    imports: [RedisHaModule.forRoot({ ...core, env }), RedisHaQueueModule.register({ queues, settings })],
    providers,
  }).compile();
  const app = moduleRef.createNestApplication({
    logger: process.env.QUEUE_E2E_LOGS ? ['log', 'warn', 'error', 'debug'] : ['error'],
  });
  try {
    await app.init();
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  const registry = app.get(QueueRegistry);
  return {
    app,
    registry,
    queue: (name) => app.get<RedisHaQueue>(getQueueToken(name)),
    worker: (name) => {
      const worker = registry.workers.get(name)?.[0];
      if (!(worker instanceof RedisHaWorker)) throw new Error(`no RedisHaWorker for queue ${name}`);
      return worker;
    },
    close: () => app.close(),
  };
}
