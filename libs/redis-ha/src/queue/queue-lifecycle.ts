import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Worker } from 'bullmq';
import type { Subscription } from 'rxjs';
import type { QueueConfig } from '../config/queue.config';
import type { RedisHaConfig } from '../config/redis-ha-options.interface';
import { RedisHaEvents } from '../events/redis-ha-events';
import { backendRedis } from '../internals/bullmq';
import { REDIS_HA_CONFIG } from '../redis-ha.constants';
import { canEvictQueueKeys, checkEvictionPolicy, parseMemoryPolicy } from './eviction-check';
import { isCluster, type RedisClient } from '../topology/topology';
import { OrphanReclaimer } from './orphan-reclaim';
import { logQueueError } from './queue-error-log';
import { QueueRegistry } from './queue-registry';
import { REDIS_HA_QUEUE_CONFIG, REDIS_HA_QUEUE_NAMES } from './queue.constants';
import { RedisHaWorker } from './redis-ha-worker';
import { WorkerGuard } from './worker-guard';
import { replaceWorker } from './worker-replacement';

interface Watch {
  guard: WorkerGuard;
  reclaimer: OrphanReclaimer;
  onError: (err: Error) => void;
}

/**
 * Runs the queues of one `registerQueue()`: adopts their workers (registry, guard, orphan reclaim), checks the
 * eviction policy at startup and after every master change, and on shutdown closes every library worker within
 * `QUEUE_SHUTDOWN_TIMEOUT_MS` before the queues.
 */
@Injectable()
export class QueueLifecycle implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly watches = new Map<Worker, Watch>();
  private subscription: Subscription | undefined;

  constructor(
    @Inject(REDIS_HA_CONFIG) private readonly config: RedisHaConfig,
    @Inject(REDIS_HA_QUEUE_CONFIG) private readonly settings: QueueConfig,
    @Inject(REDIS_HA_QUEUE_NAMES) private readonly names: readonly string[],
    private readonly registry: QueueRegistry,
    private readonly events: RedisHaEvents,
    private readonly discovery: DiscoveryService,
  ) {}

  /** Called by `RedisHaWorker` as soon as a worker of one of the library's queues exists. */
  adopt(worker: Worker): void {
    this.registry.addWorker(worker);
    if (!(worker instanceof RedisHaWorker) || this.watches.has(worker)) return;
    const guard = new WorkerGuard(worker, this.settings.workerGuardIntervalMs, (stuck) =>
      this.replace(stuck),
    );
    const reclaimer = new OrphanReclaimer(worker, this.events);
    // Without a listener BullMQ prints every 'error' (each refused reconnect of a failover) with console.error.
    const onError = (err: Error) => logQueueError(`Worker of "${worker.name}"`, err);
    worker.on('error', onError);
    this.watches.set(worker, { guard, reclaimer, onError });
    guard.start();
    void reclaimer.start();
  }

  async onModuleInit(): Promise<void> {
    const first = this.names.map((name) => this.registry.queues.get(name)).find((q) => q !== undefined);
    if (!first) return;
    const info = async () => {
      const client = (await within(
        backendRedis(first),
        this.config.connection.connectTimeoutMs,
      )) as RedisClient;
      if (!isCluster(client)) return client.info('memory');
      // Every primary holds queues: report one whose policy can evict, if any.
      const infos = await Promise.all(client.nodes('master').map((node) => node.info('memory')));
      return infos.find((i) => canEvictQueueKeys(parseMemoryPolicy(i)?.policy ?? 'noeviction')) ?? infos[0];
    };
    await checkEvictionPolicy(info, this.settings.evictionCheck, 'at startup');
    this.subscription = this.events.on('master-changed').subscribe((e) => {
      const where = `on the new master ${e.to.host}:${e.to.port}`;
      // Never refuse at runtime: the application is up and its jobs are better served than stopped.
      const mode = this.settings.evictionCheck === 'off' ? 'off' : 'warn';
      setTimeout(() => void checkEvictionPolicy(info, mode, where).catch(() => undefined), 1000).unref();
    });
  }

  /** SIGTERM: every library worker stops fetching and gets `QUEUE_SHUTDOWN_TIMEOUT_MS` for its active jobs. */
  async beforeApplicationShutdown(): Promise<void> {
    this.subscription?.unsubscribe();
    for (const { guard, reclaimer } of this.watches.values()) {
      guard.stop();
      reclaimer.stop();
    }
    const workers = [...this.registry.workers.values()].flat().filter((w) => w instanceof RedisHaWorker);
    await Promise.all(workers.map((worker) => worker.close().catch(() => undefined)));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(
      this.names.map(async (name) => {
        const queue = this.registry.queues.get(name);
        if (queue) await within(queue.close(), 2000).catch(() => queue.disconnect().catch(() => undefined));
      }),
    );
  }

  private replace(stuck: RedisHaWorker): void {
    const watch = this.watches.get(stuck);
    this.watches.delete(stuck);
    watch?.reclaimer.stop();
    const internal = new Set<unknown>([...(watch?.guard.listeners ?? []), watch?.onError]);
    const replacement = replaceWorker(stuck, internal, this.discovery);
    this.registry.replaceWorker(stuck, replacement);
  }
}

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
