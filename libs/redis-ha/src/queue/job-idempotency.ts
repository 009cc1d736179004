import { Inject, Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { QueueConfig } from '../config/queue.config';
import { RedisHaConnectionFactory } from '../connection/redis-ha-connection.factory';
import { QueueJobInProgressError } from '../errors/queue-job-in-progress.error';
import { REDIS_HA_QUEUE_CONFIG } from './queue.constants';
import { isCluster, type RedisClient } from '../topology/topology';
import { nodeOfKey, untagged } from './queue-keys';

export interface OnceOptions {
  /** How long the result of a finished run is kept (duplicates within it get it back). @default 86400000 (1 day) */
  ttlMs?: number;
  /** How long a run may take before another delivery may start it again. @default QUEUE_LOCK_DURATION_MS */
  leaseMs?: number;
}

const RUNNING = 'run:';
const DONE = 'done:';
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * The processing side of at-least-once delivery. BullMQ may run a job twice around a failover or a shutdown (a
 * job whose start or completion was lost with the old master runs again); `once()` makes the second run return
 * the first run's result instead of repeating its side effects:
 *
 * ```ts
 * async process(job: Job) {
 *   return this.idempotency.once(job, () => this.mailer.send(job.data)); // key: `<queue>:<job id>`
 * }
 * ```
 *
 * A run claims the key (`SET NX`, with a lease); a delivery that finds it done returns the stored result; one
 * that finds it running fails with `QueueJobInProgressError` (give the job `attempts` and a `backoff`). The
 * marks live in Redis under `QUEUE_PREFIX` and are replicated asynchronously (then confirmed with `WAIT`, best
 * effort): this narrows duplicates, it cannot make an external side effect exactly-once. For that, pass the
 * key to the other system too (an idempotency key of a payment API, a unique constraint).
 */
@Injectable()
export class JobIdempotency {
  private client: RedisClient | undefined;

  constructor(
    @Inject(REDIS_HA_QUEUE_CONFIG) private readonly settings: QueueConfig,
    private readonly factory: RedisHaConnectionFactory,
  ) {}

  /** The key of a job: `<queue name>:<job id>` (the same across redeliveries of that job). */
  keyOf(job: Pick<Job, 'queueName' | 'id'>): string {
    return `${job.queueName}:${job.id}`;
  }

  async once<T>(
    keyOrJob: string | Pick<Job, 'queueName' | 'id'>,
    run: () => Promise<T> | T,
    options: OnceOptions = {},
  ): Promise<T> {
    const key = typeof keyOrJob === 'string' ? keyOrJob : this.keyOf(keyOrJob);
    const client = this.redis();
    // In cluster mode without the prefix's hash tag: the marks spread over the shards by their whole key.
    const prefix = isCluster(client) ? untagged(this.settings.prefix) : this.settings.prefix;
    const redisKey = `${prefix}:idempotency:${key}`;
    const claim = `${RUNNING}${process.pid}:${Date.now()}:${Math.random().toString(36).slice(2)}`;
    const leaseMs = options.leaseMs ?? this.settings.lockDurationMs;
    for (let attempt = 0; attempt < 2; attempt++) {
      if ((await client.set(redisKey, claim, 'PX', leaseMs, 'NX')) === 'OK') {
        return this.runClaimed(client, redisKey, claim, run, options.ttlMs ?? 86_400_000);
      }
      const mark = await client.get(redisKey);
      if (mark?.startsWith(DONE)) {
        const stored = mark.slice(DONE.length);
        return (stored === '' ? undefined : JSON.parse(stored)) as T;
      }
      if (mark?.startsWith(RUNNING)) throw new QueueJobInProgressError(key);
      // The mark expired between SET NX and GET: claim again.
    }
    throw new QueueJobInProgressError(key);
  }

  private async runClaimed<T>(
    client: RedisClient,
    redisKey: string,
    claim: string,
    run: () => Promise<T> | T,
    ttlMs: number,
  ): Promise<T> {
    let result: T;
    try {
      result = await run();
    } catch (err) {
      await client.eval(RELEASE, 1, redisKey, claim).catch(() => undefined); // a failed run may be retried at once
      throw err;
    }
    const stored = result === undefined ? '' : JSON.stringify(result);
    await client.set(redisKey, `${DONE}${stored}`, 'PX', ttlMs);
    // WAIT covers the writes of its own connection: in cluster mode, the one to the primary of the mark's slot.
    const node = isCluster(client) ? nodeOfKey(client, redisKey) : client;
    await node
      ?.call('WAIT', this.settings.durableReplicas, this.settings.durableTimeoutMs)
      .catch(() => undefined);
    return result;
  }

  private redis(): RedisClient {
    // A writer connection without the application's keyPrefix: the marks live next to the queue keys.
    this.client ??= this.factory.create('writer', 'queue:idempotency', { keyPrefix: undefined });
    return this.client;
  }
}
