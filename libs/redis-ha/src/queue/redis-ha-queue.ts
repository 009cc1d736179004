import { randomUUID } from 'node:crypto';
import { Job, Queue, type JobsOptions, type QueueOptions } from 'bullmq';
import { backendRedis } from '../internals/bullmq';
import { checkPayload } from './payload-check';
import { ReplicaBarrier, keyNodeClient, type BarrierClient } from './replica-barrier';
import { isCluster, type RedisClient } from '../topology/topology';
import { QueueAddNotDurableError } from '../errors/queue-add-not-durable.error';

/** A durable add whose confirmation failed because the connection went (a failover), not the replicas. */
const lostConnection = (err: unknown) => err instanceof QueueAddNotDurableError && err.kind === 'connection';

/** Per-queue behaviour of the library on top of BullMQ's `Queue`. */
export interface RedisHaQueueSettings {
  /** Largest job data, as JSON bytes (`QUEUE_MAX_PAYLOAD_BYTES`). */
  maxPayloadBytes: number;
  /** Durable adds by default (`QUEUE_DURABLE_ADDS`, or `registerQueue({ durableAdds })`). */
  durableAdds: boolean;
  /** Replicas a durable add waits for (`QUEUE_DURABLE_REPLICAS`). */
  durableReplicas: number;
  /** How long (`QUEUE_DURABLE_TIMEOUT_MS`). */
  durableTimeoutMs: number;
  /** How long an add may be retried while the master refuses it with NOREPLICAS (the producer's command timeout). */
  addTimeoutMs?: number;
}

/**
 * Every job gets an id before it is sent: the caller's `jobId`, else a random UUID. ioredis resends an add that
 * was unanswered when the connection was lost (a failover); with BullMQ's own ids (an INCR in the add script)
 * an add the old master had run and passed on before dying became a second job (bench:queue: up to 20 in one
 * SIGKILL run); with an id fixed in the command, the resent add finds the job and adds nothing.
 */
function withJobId(opts: JobsOptions): JobsOptions {
  return opts.jobId ? opts : { ...opts, jobId: randomUUID() };
}

/** A master without a good replica refused the write before running it (`min-replicas-to-write`). */
const refused = (err: unknown) => /^NOREPLICAS/.test((err as Error)?.message ?? '');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `queue.add()` options: BullMQ's, plus `durable` to override the queue's default for one add. */
export type RedisHaJobsOptions = JobsOptions & {
  /** Wait for the replicas before resolving (see `QUEUE_DURABLE_ADDS`). @default the queue's setting */
  durable?: boolean;
};

/**
 * The `Queue` that `@InjectQueue()` gives for queues registered with `RedisHaModule.registerQueue()`: BullMQ's
 * queue on a producer connection that waits out a failover (bounded by the command timeout), whose `add()`/`addBulk()` refuse job data that JSON cannot store
 * or that is too large (at the call site, before anything is written) and, when durable, resolve only once a
 * replica has the job.
 */
export class RedisHaQueue extends Queue {
  private barrier: ReplicaBarrier | undefined;

  constructor(
    name: string,
    opts: QueueOptions,
    readonly settings: RedisHaQueueSettings,
  ) {
    super(name, opts);
  }

  override add(name: string, data: unknown, opts?: RedisHaJobsOptions): Promise<Job> {
    // Not async: a plain add is BullMQ's own promise, nothing more on the hot path.
    const { durable, ...given } = opts ?? {};
    const jobOpts = withJobId(given);
    try {
      checkPayload(data, this.settings.maxPayloadBytes, { queueName: this.name, jobName: name });
    } catch (err) {
      return Promise.reject(err);
    }
    if (!(durable ?? this.settings.durableAdds)) {
      return this.accepted(() => super.add(name, data, jobOpts));
    }
    return this.addDurably(name, data, jobOpts);
  }

  /** `add()`, and if the master refused it with NOREPLICAS, `untilAccepted(add)`: one `.catch` on the hot path. */
  private accepted<T>(add: () => Promise<T>): Promise<T> {
    return add().catch((err: unknown) => (refused(err) ? this.untilAccepted(add) : Promise.reject(err)));
  }

  /**
   * Retries `add` while the master answers NOREPLICAS (a master promoted a moment ago, whose replicas attach
   * ~1 s later), within `addTimeoutMs`. The producer connection does not reconnect on NOREPLICAS as the writer
   * does: that would resend every add pipelined behind the refused one, some of which the master ran once a
   * replica attached, and each such add would make a second job (bench:queue saw 18 in 5 SIGKILL runs).
   */
  private async untilAccepted<T>(add: () => Promise<T>): Promise<T> {
    const end = Date.now() + (this.settings.addTimeoutMs ?? 10_000);
    for (let n = 0; ; n++) {
      const delay = Math.min(25 * 2 ** n, 250);
      if (Date.now() + delay > end) return add();
      await sleep(delay);
      try {
        return await add();
      } catch (err) {
        if (!refused(err)) throw err;
      }
    }
  }

  /**
   * Adds, then confirms with the replica barrier. When the connection was lost or changed between the add and
   * its `WAIT` (a failover), `recover()` checks on the new connection.
   */
  private async addDurably(name: string, data: unknown, opts: JobsOptions): Promise<Job> {
    const barrier = await this.replicaBarrier();
    const job = await this.accepted(() => super.add(name, data, opts));
    const ticket = barrier.ticket(); // the socket that answered the add, before any other I/O can run
    try {
      await barrier.confirm(ticket, job.id);
      return job;
    } catch (err) {
      if (!lostConnection(err) || !job.id) throw err;
      const [kept] = await this.recover(barrier, [job], err as QueueAddNotDurableError, () =>
        super.add(name, data, opts),
      );
      return kept;
    }
  }

  override async addBulk(
    jobs: Array<{ name: string; data: unknown; opts?: RedisHaJobsOptions }>,
  ): Promise<Job[]> {
    for (const job of jobs)
      checkPayload(job.data, this.settings.maxPayloadBytes, { queueName: this.name, jobName: job.name });
    const durable = jobs.some((job) => job.opts?.durable ?? this.settings.durableAdds);
    const plain = jobs.map(({ opts, ...job }) => {
      const { durable: _durable, ...jobOpts } = opts ?? {};
      return { ...job, opts: withJobId(jobOpts) };
    });
    if (!durable) return this.accepted(() => super.addBulk(plain));
    const barrier = await this.replicaBarrier();
    const added = await this.accepted(() => super.addBulk(plain));
    const ticket = barrier.ticket();
    try {
      await barrier.confirm(ticket, added.map((job) => job.id).join(','));
      return added;
    } catch (err) {
      if (!lostConnection(err) || added.some((job) => !job.id)) throw err;
      return this.recover(barrier, added, err as QueueAddNotDurableError);
    }
  }

  /**
   * After a lost connection: are the jobs on the new master, each with its own timestamp and name? If all
   * are, a replicated write then a `WAIT` on this connection confirm them (a `WAIT` after reads only confirms
   * nothing on Redis 7). A single missing job is added again under its id; otherwise, and when the check
   * itself fails, the add fails with `QueueAddNotDurableError`: never "did not run" for an add that ran.
   */
  private async recover(
    barrier: ReplicaBarrier,
    jobs: Job[],
    first: QueueAddNotDurableError,
    addAgain?: () => Promise<Job>,
  ): Promise<Job[]> {
    const ids = jobs.map((job) => job.id).join(',');
    try {
      const found = await Promise.all(jobs.map((job) => this.getJob(job.id as string)));
      const kept = found.every((f, i) => f?.timestamp === jobs[i].timestamp && f?.name === jobs[i].name);
      if (kept) {
        await barrier.confirmOnThisConnection(`${this.opts.prefix}:${this.name}:redis-ha:wait-probe`, ids);
        return jobs;
      }
      if (!addAgain) throw first;
      const again = await addAgain();
      await barrier.confirm(barrier.ticket(), again.id);
      return [again];
    } catch (err) {
      if (err instanceof QueueAddNotDurableError) throw err;
      const reason = `the connection changed before a replica confirmed it, and checking on the new one failed (${(err as Error).message})`;
      throw new QueueAddNotDurableError(this.name, ids, reason, 'connection');
    }
  }

  /**
   * BullMQ's `disconnect()` ends the client even when it is shared; this queue's producer belongs to the
   * library's connection factory (closed on shutdown, used by health checks): only close the queue.
   */
  override async disconnect(): Promise<void> {
    await this.close();
  }

  private async replicaBarrier(): Promise<ReplicaBarrier> {
    if (!this.barrier) {
      // The WAIT follows the adds on their connection (cluster: the one to the primary of the queue's slot).
      const backend = (await backendRedis(this)) as RedisClient;
      const client: BarrierClient = isCluster(backend) ? keyNodeClient(backend, this.keys.wait) : backend;
      this.barrier ??= new ReplicaBarrier(
        client,
        this.name,
        this.settings.durableReplicas,
        this.settings.durableTimeoutMs,
      );
    }
    return this.barrier;
  }
}
