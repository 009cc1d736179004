import { Logger } from '@nestjs/common';
import { backendBlockingRedis, backendRedis } from '../internals/bullmq';
import type { RedisHaWorker } from './redis-ha-worker';
import type { RedisClient } from '../topology/topology';
import { BlockingWatch } from './blocking-watch';

const logger = new Logger('RedisHa:Queue');

interface GuardClient {
  status: string;
  connect(): Promise<unknown>;
  llen(key: string): Promise<number>;
  zcard(key: string): Promise<number>;
  pttl(key: string): Promise<number>;
  hmget(key: string, ...fields: string[]): Promise<Array<string | null>>;
  zadd(key: string, score: number, member: string): Promise<unknown>;
}

/** Past this many idle rounds the guard acts: wake the worker, then reset its blocking connection, then replace it. */
const WAKE_AT = 2;
const RESET_AT = 3;
const REPLACE_AT = 4;

/**
 * Makes sure a worker is never left silently idle (BullMQ #3088, #4378, #4585: after a Sentinel failover a worker
 * reports `isRunning()` and no error, but takes no job while jobs wait). Every `intervalMs` it checks:
 *
 * - connections ioredis ended for good (`status: 'end'`, from which it never reconnects by itself): reconnected;
 * - a main loop that died without the worker being closed or paused: restarted;
 * - a wedged blocking connection (`BlockingWatch`: its `BZPOPMIN` unanswered for a whole interval while the
 *   queue's marker is set and jobs wait): its sockets are closed at once, so ioredis sends it again;
 * - jobs waiting, capacity free, queue not paused, rate-limited or at its global concurrency, and no job started
 *   or finished by this worker for a whole interval: one idle round. After `WAKE_AT` rounds it writes the queue's
 *   wake-up marker (what an add does), after `RESET_AT` it resets the blocking connection, after `REPLACE_AT`
 *   it replaces the worker with a new one with the same processor and listeners (`replace`), loudly each time.
 *
 * While the worker's connection is not ready (a failover in progress) it does nothing: that is not idleness.
 */
export class WorkerGuard {
  private timer: NodeJS.Timeout | undefined;
  private idleRounds = 0;
  private progressed = false;
  private checking = false;
  /** Wedged blocking connections this guard found and reset (for tests and metrics). */
  wedges = 0;
  private readonly onProgress = () => (this.progressed = true);
  private readonly watch = new BlockingWatch();

  constructor(
    private readonly worker: RedisHaWorker,
    private readonly intervalMs: number,
    private readonly replace: (worker: RedisHaWorker) => void,
  ) {}

  /** The listeners the guard puts on its worker (a replacement must not inherit them). */
  get listeners(): ReadonlyArray<(...args: unknown[]) => void> {
    return [this.onProgress];
  }

  start(): void {
    if (this.intervalMs <= 0) return;
    for (const event of ['active', 'completed', 'failed'] as const) this.worker.on(event, this.onProgress);
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    for (const event of ['active', 'completed', 'failed'] as const) this.worker.off(event, this.onProgress);
  }

  /** One round (public for tests). */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      await this.round();
    } catch {
      this.idleRounds = 0; // a round that could not read Redis says nothing about idleness
    } finally {
      this.checking = false;
    }
  }

  private async round(): Promise<void> {
    const worker = this.worker;
    if (worker.closing) return this.stop();
    const client: GuardClient = await bounded(backendRedis(worker), this.intervalMs);
    const blocking: GuardClient | undefined = await bounded(backendBlockingRedis(worker), this.intervalMs);
    for (const [conn, what] of [
      [client, 'command'],
      [blocking, 'blocking'],
    ] as const) {
      if (conn?.status === 'end') {
        logger.warn(`Worker of "${worker.name}": its ${what} connection had ended for good; reconnecting it`);
        conn.connect().catch(() => undefined);
      }
    }
    if (!worker.isRunning() && !worker.isPaused()) {
      logger.warn(
        `Worker of "${worker.name}" was not running although neither closed nor paused; restarting it`,
      );
      worker.run().catch((err: Error) => worker.emit('error', err));
    }
    if (client.status === 'ready' && blocking) await this.unwedge(client, blocking);
    const progressed = this.progressed;
    this.progressed = false;
    if (client.status !== 'ready' || worker.isPaused() || progressed || (await this.cannotTakeMore(client))) {
      this.idleRounds = 0;
      return;
    }
    this.idleRounds++;
    await this.escalate(client);
  }

  /** True when the worker has a reason not to take a job: none waiting, no capacity, or a queue-level limit. */
  private async cannotTakeMore(client: GuardClient): Promise<boolean> {
    const { keys } = this.worker;
    if (this.worker.heldJobs().length >= this.worker.concurrency) return true;
    const [wait, prioritized, limiterTtl, [paused, concurrency], active] = await bounded(
      Promise.all([
        client.llen(keys.wait),
        client.zcard(keys.prioritized),
        client.pttl(keys.limiter),
        client.hmget(keys.meta, 'paused', 'concurrency'),
        client.llen(keys.active),
      ]),
      this.intervalMs,
    );
    const globalLimit = concurrency === null ? Infinity : Number(concurrency);
    return wait + prioritized === 0 || limiterTtl > 0 || paused !== null || active >= globalLimit;
  }

  /** Closes the blocking connection's sockets when it is wedged (see `BlockingWatch`). */
  private async unwedge(client: GuardClient, blocking: GuardClient): Promise<void> {
    const { keys } = this.worker;
    const [wait, marker] = await bounded(
      Promise.all([client.llen(keys.wait), client.zcard(keys.marker)]),
      this.intervalMs,
    );
    // Read after the replies above: a BZPOPMIN the marker just woke has had its reply by now.
    const waitedMs = this.watch.oldestWaitMs(blocking as unknown as RedisClient);
    if (wait === 0 || marker === 0 || waitedMs < this.intervalMs) return;
    logger.warn(
      `Worker of "${this.worker.name}" is wedged: its BZPOPMIN has had no reply for ${waitedMs} ms while ${wait} ` +
        `job(s) wait and the queue's marker is set; closing its blocking connection's sockets`,
    );
    this.wedges++;
    BlockingWatch.reset(blocking as unknown as RedisClient);
  }

  private async escalate(client: GuardClient): Promise<void> {
    const worker = this.worker;
    const idleFor = `idle for ${this.idleRounds} checks of ${this.intervalMs} ms while jobs wait`;
    if (this.idleRounds === WAKE_AT) {
      logger.warn(`Worker of "${worker.name}" ${idleFor}: waking it with the queue's marker`);
      await client.zadd(worker.keys.marker, 0, '0');
    } else if (this.idleRounds === RESET_AT) {
      logger.warn(`Worker of "${worker.name}" ${idleFor}: resetting its blocking connection`);
      const backend = worker.getBackend();
      await bounded(backend.disconnectBlocking(false), this.intervalMs).catch(() => undefined);
      void backend.reconnectBlocking().catch(() => undefined);
    } else if (this.idleRounds >= REPLACE_AT) {
      logger.error(`Worker of "${worker.name}" ${idleFor}, also after a wake-up and a reset: replacing it`);
      this.stop();
      this.replace(worker);
    }
  }
}

function bounded<T>(promise: Promise<T> | T, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
