import { Logger } from '@nestjs/common';
import {
  ConnectionClosedError,
  Job,
  Worker,
  type JobJson,
  type Processor,
  type Span,
  type WorkerOptions,
} from 'bullmq';
import { closeGracefully } from './graceful-close';
import { isLostOwnershipError, isTransientRedisError } from './transient-error';
import { plannedOptions, type WorkerPlan } from './worker-plan';

const logger = new Logger('RedisHa:Queue');

/**
 * The worker of the library's queues (`QueueExplorer` creates one per `@Processor()`). It builds itself from
 * its queue's plan (blocking-role connections, `QUEUE_*` lock and stalled settings),
 * and it closes the gaps a failover leaves in BullMQ 6:
 *
 * - It knows which fetch tokens it actually received (`holds()`), so a job moved to `active` by a command whose
 *   reply was lost in the failover (ioredis then resends it, and the resend fetches *another* job with the same
 *   token) can be told apart and returned to the queue at once (`orphan-reclaim.ts`), instead of sitting in
 *   `active` until its lock expires and the stalled checker runs (~60 s with the defaults).
 * - A completion that fails because the master is changing (NOREPLICAS, READONLY, a timeout...) is retried,
 *   not turned into a job failure whose own write fails too.
 * - A completion the server refuses because it was already applied (the first send's reply was lost), or
 *   because the job's start was lost with the old master, is settled quietly: BullMQ would report it as an
 *   error and try to fail the job.
 * - `close()` is bounded by `QUEUE_SHUTDOWN_TIMEOUT_MS` and returns unfinished jobs to the queue.
 *
 */
export class RedisHaWorker extends Worker {
  /** Fetch token -> id of the job this worker received under it and has not finished. */
  private readonly held = new Map<string, string>();
  /** How the library built it (undefined: a plain BullMQ worker with the options given). */
  readonly plan: WorkerPlan | undefined;
  private gracefulClose: Promise<void> | undefined;

  constructor(
    name: string,
    processor?: string | URL | null | Processor,
    opts?: WorkerOptions,
    plan?: WorkerPlan,
  ) {
    super(
      name,
      processor,
      (plan ? plannedOptions(plan, opts ?? ({} as WorkerOptions)) : opts) as WorkerOptions,
    );
    this.plan = plan;
    plan?.adopt(this);
  }

  /** Whether this worker received job `jobId` under `token` and is still working on it. */
  holds(token: string, jobId: string): boolean {
    return this.held.get(token) === jobId;
  }

  /** The jobs this worker received and has not finished (processing, or fetched and about to be). */
  heldJobs(): Array<{ jobId: string; token: string }> {
    return [...this.held].map(([token, jobId]) => ({ jobId, token }));
  }

  /** The worker's token prefix: every lock it takes is `${tokenPrefix}<n>`. */
  get tokenPrefix(): string {
    return `${this.id}:`;
  }

  // The overrides below return BullMQ's promise instead of awaiting it: no extra promise per job on the hot path.
  // They are BullMQ internals (`WORKER_OVERRIDES` in internals/bullmq.ts, checked at startup).
  protected override nextJobFromJobData(jobData?: JobJson, jobId?: string, token?: string): Promise<Job> {
    if (jobData && jobId && token) this.held.set(token, jobId);
    return super.nextJobFromJobData(jobData, jobId, token);
  }

  override processJob(job: Job, token: string, fetchNextCallback?: () => boolean): Promise<void | Job> {
    return super.processJob(job, token, fetchNextCallback).finally(() => {
      // With fetch-next, the same token already names the next job: keep that one.
      if (job.id !== undefined && this.held.get(token) === job.id) this.held.delete(token);
    });
  }

  protected override handleCompleted(
    result: unknown,
    job: Job,
    token: string,
    fetchNextCallback?: () => boolean,
    span?: Span,
  ): Promise<Job> {
    return super.handleCompleted(result, job, token, fetchNextCallback, span).catch(async (err: unknown) => {
      const state = await this.settleFinishError(err, job, 'complete');
      if (state === 'completed' || state === 'unknown') this.emit('completed', job, result, 'active');
      return undefined as unknown as Job;
    });
  }

  protected override handleFailed(
    err: Error,
    job: Job,
    token: string,
    fetchNextCallback?: () => boolean,
    span?: Span,
  ): Promise<Job> {
    return super.handleFailed(err, job, token, fetchNextCallback, span).catch(async (finishErr: unknown) => {
      const state = await this.settleFinishError(finishErr, job, 'fail');
      if (state === 'failed') this.emit('failed', job, err, 'active');
      return undefined as unknown as Job;
    });
  }

  /** Graceful close is bounded by `QUEUE_SHUTDOWN_TIMEOUT_MS`; `close(true)` is BullMQ's forced close. */
  override close(force = false): Promise<void> {
    if (force || !this.plan) return super.close(force);
    this.gracefulClose ??= closeGracefully(this, () => super.close(false), this.plan.shutdownTimeoutMs);
    return this.gracefulClose;
  }

  /**
   * Decides what a failed finish write means. Transient: rethrown as a connection error, which BullMQ retries
   * after `runRetryDelay`. Lost ownership: the job is no longer ours to finish; settled (returns). Else rethrown.
   */
  private async settleFinishError(err: unknown, job: Job, action: 'complete' | 'fail'): Promise<string> {
    if (isTransientRedisError(err) && !this.closing) {
      throw new ConnectionClosedError(
        `${(err as Error).message} (retrying the ${action} of job ${job.id})`,
        err,
      );
    }
    if (!isLostOwnershipError(err)) throw err;
    const state = await job.getState().catch(() => 'unknown');
    if (state === 'completed' || state === 'failed' || state === 'unknown') {
      // An earlier send of this write was applied (its reply was lost in a reconnect), or the job was removed.
      logger.debug(
        `Job ${job.id} of "${this.name}" was already finished (${state}); its repeated ${action} is ignored`,
      );
    } else {
      logger.warn(
        `Job ${job.id} of "${this.name}" could not ${action} (${(err as Error).message}): it is ${state} now, ` +
          `so it will run again (its start was lost in a failover, or it was returned to the queue)`,
      );
    }
    return state;
  }
}
