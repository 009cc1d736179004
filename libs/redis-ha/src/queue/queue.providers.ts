import type { Provider } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { getQueueToken, getSharedConfigToken } from '@nestjs/bullmq';
import type { QueueOptions, WorkerOptions } from 'bullmq';
import { WAIT_MARGIN_MS, type QueueConfig } from '../config/queue.config';
import { RedisHaConfigError } from '../errors/redis-ha-config.error';
import { RedisHaConnectionFactory } from '../connection/redis-ha-connection.factory';
import type { RedisHaConfig } from '../config/redis-ha-options.interface';
import { REDIS_HA_CONFIG } from '../redis-ha.constants';
import { isCluster } from '../topology/topology';
import { clusterConnection } from './cluster-connections';
import { queueKeyPrefix } from './queue-keys';
import { QueueNotRegisteredError } from '../errors/queue-not-registered.error';
import { assertBullmqInternals } from '../internals/bullmq-check';
import { QueueLifecycle } from './queue-lifecycle';
import { QueueRegistry } from './queue-registry';
import {
  PROCESSOR_METADATA,
  REDIS_HA_PROCESSOR_CHECK,
  REDIS_HA_QUEUE_CONFIG,
  REDIS_HA_WORKER_PLANS,
  WORKER_RUN_RETRY_DELAY_MS,
} from './queue.constants';
import { RedisHaQueue } from './redis-ha-queue';
import { logQueueError } from './queue-error-log';
import type { WorkerPlan } from './worker-plan';

/** One queue of `RedisHaQueueModule.registerQueue()`. */
export interface RegisterQueueOptions {
  /** The queue's name, as in `@InjectQueue(name)` and `@Processor(name)`. */
  name: string;
  /** Overrides `QUEUE_DURABLE_ADDS` for this queue. @default the environment's setting */
  durableAdds?: boolean;
  /**
   * Redis Cluster only: the hash tag of this queue's keys (`bull:{<hashTag>}:<name>:...`). Queues of one flow
   * (a parent and its children) must share one, since a flow's scripts touch keys of all of them. Ignored in
   * Sentinel and standalone mode, whose keys keep `QUEUE_PREFIX` (`{bull}:<name>:...`). @default the queue's name
   */
  hashTag?: string;
  /** BullMQ options of the `Queue` (`defaultJobOptions`, `streams`...); the connection and prefix are the library's. */
  queueOptions?: Omit<QueueOptions, 'connection' | 'prefix'>;
  /** Options of this queue's workers, under those of `@Processor(name, options)` (`concurrency`, `limiter`...). */
  workerOptions?: Omit<WorkerOptions, 'connection' | 'prefix'>;
}

/**
 * The `Queue` behind `getQueueToken(name)`, with a producer connection for adds that waits out a failover, and the plan its
 * workers and QueueEvents are built from (blocking-role connections), filed in the module's plan map.
 * The producer is a client the connection factory creates and owns (it has the command deadline); the
 * workers' and QueueEvents' connections are created by BullMQ from options (BullMQ owns and closes them):
 * handing BullMQ instances for those costs ~20% throughput (docs/failover-findings.md#raw-bullmq), while the
 * shared producer measured the same CPU per job as raw BullMQ (bench:queue, 2026-12-07). In cluster mode every
 * one is a `Cluster` of the factory (`clusterConnection`), and the keys get the queue's own hash tag.
 */
export function queueProvider(options: RegisterQueueOptions): Provider {
  return {
    provide: getQueueToken(options.name),
    useFactory: (
      settings: QueueConfig,
      config: RedisHaConfig,
      factory: RedisHaConnectionFactory,
      registry: QueueRegistry,
      lifecycle: QueueLifecycle,
      plans: Map<string, WorkerPlan>,
    ): RedisHaQueue => {
      assertBullmqInternals(); // once per process: fails startup on a BullMQ without the internals we use
      const { name } = options;
      // BullMQ waits for 'ready' and never calls connect() itself: these connections must not be lazy.
      const connect = { lazyConnect: false };
      // A client the factory creates and owns (BullMQ shares it and leaves closing it to us), so adds get the
      // command deadline: an add it rejects as not sent never happens (BullMQ building its own client from
      // options would get ioredis' commandTimeout, which writes a rejected add once the master is back).
      const addTimeout = settings.addTimeoutMs > 0 ? { commandTimeout: settings.addTimeoutMs } : {};
      const effective = settings.addTimeoutMs || config.connection.commandTimeoutMs;
      if (effective < settings.durableTimeoutMs + WAIT_MARGIN_MS) {
        throw new RedisHaConfigError([
          `REDIS_COMMAND_TIMEOUT_MS: ${effective} must be at least QUEUE_DURABLE_TIMEOUT_MS + ${WAIT_MARGIN_MS} (${settings.durableTimeoutMs + WAIT_MARGIN_MS}) for queue "${name}" (or set QUEUE_ADD_TIMEOUT_MS), or a durable add's WAIT is cut`,
        ]);
      }
      const producer = factory.create('producer', `queue:${name}`, { ...connect, ...addTimeout });
      const cluster = isCluster(producer);
      const prefix = queueKeyPrefix(settings.prefix, cluster, options.hashTag ?? name);
      const queue = new RedisHaQueue(
        name,
        {
          ...options.queueOptions,
          prefix,
          connection: producer as QueueOptions['connection'],
        },
        { ...settings, durableAdds: options.durableAdds ?? settings.durableAdds, addTimeoutMs: effective },
      );
      queue.on('error', (err: Error) => logQueueError(`Queue "${name}"`, err));
      const workerConnection = cluster
        ? clusterConnection(factory, `queue:${name}:worker`)
        : factory.options('blocking', `queue:${name}:worker`, connect);
      const eventsConnection = cluster
        ? clusterConnection(factory, `queue:${name}:events`)
        : factory.options('blocking', `queue:${name}:events`, connect);
      const defaults: Partial<WorkerOptions> = {
        lockDuration: settings.lockDurationMs,
        stalledInterval: settings.stalledIntervalMs,
        maxStalledCount: settings.maxStalledCount,
        runRetryDelay: WORKER_RUN_RETRY_DELAY_MS,
        ...options.workerOptions,
      };
      plans.set(name, {
        queueName: name,
        connection: workerConnection,
        eventsConnection,
        prefix,
        defaults,
        shutdownTimeoutMs: settings.shutdownTimeoutMs,
        adopt: (worker) => lifecycle.adopt(worker),
      });
      registry.addQueue(queue);
      return queue;
    },
    inject: [
      REDIS_HA_QUEUE_CONFIG,
      REDIS_HA_CONFIG,
      RedisHaConnectionFactory,
      QueueRegistry,
      QueueLifecycle,
      REDIS_HA_WORKER_PLANS,
    ],
  };
}

/**
 * Fails startup when a `@Processor()` names a queue that no module registered (nor a BullMQ shared config
 * serves), with the registered names, before @nestjs/bullmq's explorer fails on it at init. Runs while
 * providers are instantiated, when every provider token is already known.
 */
export const processorCheckProvider: Provider = {
  provide: REDIS_HA_PROCESSOR_CHECK,
  useFactory: (discovery: DiscoveryService): true => {
    const wrappers = discovery.getProviders();
    const tokens = new Set(wrappers.map((w) => w.token));
    for (const wrapper of wrappers) {
      const cls = wrapper.metatype;
      if (typeof cls !== 'function') continue;
      const meta = Reflect.getMetadata(PROCESSOR_METADATA, cls) as
        { name?: string; configKey?: string } | undefined;
      if (
        !meta?.name ||
        tokens.has(getQueueToken(meta.name)) ||
        tokens.has(getSharedConfigToken(meta.configKey))
      ) {
        continue;
      }
      const registered = [...tokens]
        .filter((t): t is string => typeof t === 'string' && t.startsWith('BullQueue_'))
        .map((t) => t.slice('BullQueue_'.length));
      throw new QueueNotRegisteredError(meta.name, registered, `@Processor() of ${cls.name}: queue`);
    }
    return true;
  },
  inject: [DiscoveryService],
};
