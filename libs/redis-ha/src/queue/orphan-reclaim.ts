import { Logger } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import type { RedisHaEvents } from '../events/redis-ha-events';
import { backendRedis } from '../internals/bullmq';
import type { RedisHaWorker } from './redis-ha-worker';
import { isLostOwnershipError } from './transient-error';

const logger = new Logger('RedisHa:Queue');

/** Let the commands ioredis resends on reconnect be answered first; they are what creates orphans. */
const AFTER_RECONNECT_MS = 200;
const RETRY_MS = 1000;
const MAX_ATTEMPTS = 30;

interface ScanClient {
  lrange(key: string, start: number, stop: number): Promise<string[]>;
  mget(...keys: string[]): Promise<Array<string | null>>;
  on(event: 'ready' | 'close', listener: () => void): unknown;
  off(event: 'ready' | 'close', listener: () => void): unknown;
}

/**
 * Why jobs sat in `active` for ~60 s after a failover ("Missing lock for job N. moveToFinished", measured in
 * docs/failover-findings.md#raw-bullmq):
 * BullMQ fetches the next job inside the same script that finishes one (`moveToFinished` with fetch-next) or
 * in `moveToActive`, under a token `<worker id>:<n>`. When the master dies after running such a script and
 * replicating it, but before its reply reached the worker, ioredis resends the command to the new master. There
 * the finish fails ("Missing lock": it was already applied) or the fetch takes a *different* job, and the job
 * the first run moved to `active` belongs to nobody: its lock (30 s) is live, no worker renews it, and the stalled
 * checker moves it back only after the lock expired and one more check ran.
 *
 * The lock names the worker, and the worker knows what it received (`RedisHaWorker.holds()`), so such a job can
 * be recognised at once after the reconnect and returned to the front of the queue, checked against its token.
 */
export async function reclaimOrphans(worker: RedisHaWorker): Promise<string[]> {
  const backend = worker.getBackend();
  const client: ScanClient = await backendRedis(worker);
  // The same connection as the worker's fetches: any fetch the server ran before this scan has been answered,
  // and seen by the worker, before this reply arrives.
  const ids = await client.lrange(worker.keys.active, 0, -1);
  if (ids.length === 0) return [];
  const locks = await client.mget(...ids.map((id) => `${worker.toKey(id)}:lock`));
  const returned: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    const token = locks[i];
    if (!token?.startsWith(worker.tokenPrefix) || worker.holds(token, ids[i])) continue;
    try {
      await backend.moveJobFromActiveToWait(ids[i], token);
      returned.push(ids[i]);
    } catch (err) {
      if (!isLostOwnershipError(err)) throw err; // finished or re-locked meanwhile: not ours to return
    }
  }
  return returned;
}

/**
 * Runs `reclaimOrphans` after every reconnect of the worker's command connection and after every master change,
 * retrying while the new master still refuses writes (e.g. NOREPLICAS until a replica attached).
 */
export class OrphanReclaimer {
  private timer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private lostConnection = false;
  private subscription: Subscription | undefined;
  private client: ScanClient | undefined;
  private stopped = false;
  private readonly onClose = () => (this.lostConnection = true);
  private readonly onReady = () => {
    if (!this.lostConnection) return;
    this.lostConnection = false;
    this.schedule(AFTER_RECONNECT_MS);
  };

  constructor(
    private readonly worker: RedisHaWorker,
    private readonly events: RedisHaEvents,
  ) {}

  async start(): Promise<void> {
    this.subscription = this.events.on('master-changed').subscribe(() => this.schedule(AFTER_RECONNECT_MS));
    const client: ScanClient = await backendRedis(this.worker);
    if (this.stopped) return;
    this.client = client;
    client.on('close', this.onClose);
    client.on('ready', this.onReady);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.subscription?.unsubscribe();
    this.client?.off('close', this.onClose);
    this.client?.off('ready', this.onReady);
  }

  /** Schedules a scan (restarting the retry budget); a scan already scheduled sooner is kept. */
  schedule(delayMs: number): void {
    if (this.stopped) return;
    this.attempts = 0;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), delayMs);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    if (this.stopped || this.worker.closing) return;
    try {
      const returned = await reclaimOrphans(this.worker);
      if (returned.length > 0) {
        logger.warn(
          `Returned ${returned.length} job(s) of "${this.worker.name}" to the queue that a reply lost in the ` +
            `failover had left in active under this worker's lock: ${returned.join(', ')}`,
        );
      }
    } catch (err) {
      if (++this.attempts >= MAX_ATTEMPTS) {
        logger.error(`Could not look for orphaned jobs of "${this.worker.name}": ${(err as Error).message}`);
        return;
      }
      this.timer = setTimeout(() => void this.run(), RETRY_MS);
      this.timer.unref();
    }
  }
}
