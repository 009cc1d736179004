import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { QueueEventsHost, WorkerHost } from '@nestjs/bullmq';
import { QueueEvents, type QueueEventsOptions, type WorkerOptions } from 'bullmq';
import { RedisHaConfigError } from '../errors/redis-ha-config.error';
import { setHostedQueueEvents, setHostedWorker } from '../internals/bullmq';
import { QueueRegistry } from './queue-registry';
import {
  ON_QUEUE_EVENT_METADATA,
  ON_WORKER_EVENT_METADATA,
  PROCESSOR_METADATA,
  QUEUE_EVENTS_LISTENER_METADATA,
  REDIS_HA_WORKER_PLANS,
  WORKER_METADATA,
} from './queue.constants';
import { RedisHaWorker } from './redis-ha-worker';
import { logQueueError } from './queue-error-log';
import type { WorkerPlan } from './worker-plan';

type Handler = (...args: unknown[]) => unknown;

const conflict = (queue: string, cls: string) =>
  `@Processor("${queue}") of ${cls}: @nestjs/bullmq's BullModule is also in this app and would run it a second ` +
  `time with a plain BullMQ worker. Register "${queue}" with RedisHaQueueModule only, and the app's other ` +
  `queues with RedisHaQueueModule too (README: "Queues next to @nestjs/bullmq")`;

/**
 * Runs the `@Processor()` and `@QueueEventsListener()` classes of this module's queues, as @nestjs/bullmq's
 * explorer does for its own: a `RedisHaWorker` built from the queue's plan (blocking-role connections,
 * `QUEUE_*` settings, the processor's options), `@OnWorkerEvent()` / `@OnQueueEvent()` handlers attached,
 * `this.worker` / `this.queueEvents` answered. Only this module's queue names are touched, and nothing is
 * set process-wide, so apps (and other modules of this library) keep their own BullMQ wiring.
 */
@Injectable()
export class QueueExplorer implements OnModuleInit, OnApplicationShutdown {
  private readonly queueEvents: QueueEvents[] = [];

  constructor(
    @Inject(REDIS_HA_WORKER_PLANS) private readonly plans: ReadonlyMap<string, WorkerPlan>,
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(QueueRegistry) private readonly registry: QueueRegistry,
  ) {}

  onModuleInit(): void {
    const providers = this.discovery.getProviders();
    // @nestjs/bullmq's explorer runs every @Processor() of the app, ours included, with BullMQ's plain worker.
    const bullExplorer = providers.some((w) => w.name === 'BullExplorer');
    for (const wrapper of providers) {
      const instance = wrapper.instance as object | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const cls = instance.constructor;
      const processor = Reflect.getMetadata(PROCESSOR_METADATA, cls) as { name?: string } | undefined;
      const plan = processor?.name ? this.plans.get(processor.name) : undefined;
      if (plan && bullExplorer) throw new RedisHaConfigError([conflict(plan.queueName, cls.name)]);
      if (plan && instance instanceof WorkerHost) this.runProcessor(instance, plan);
      const listener = Reflect.getMetadata(QUEUE_EVENTS_LISTENER_METADATA, cls) as
        { queueName: string; queueEventsOptions?: QueueEventsOptions } | undefined;
      const eventsPlan = listener ? this.plans.get(listener.queueName) : undefined;
      if (listener && eventsPlan && instance instanceof QueueEventsHost) {
        this.listen(instance, listener.queueName, eventsPlan, listener.queueEventsOptions);
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.queueEvents.splice(0).map((qe) => qe.close().catch(() => undefined)));
  }

  private runProcessor(host: WorkerHost, plan: WorkerPlan): void {
    const cls = host.constructor;
    const options = (Reflect.getMetadata(WORKER_METADATA, cls) ?? {}) as WorkerOptions;
    const worker = new RedisHaWorker(plan.queueName, host.process.bind(host), options, plan);
    setHostedWorker(host, worker);
    this.forEachHandler(host, ON_WORKER_EVENT_METADATA, (event, handler) =>
      worker.on(event as 'completed', handler),
    );
  }

  private listen(
    host: QueueEventsHost,
    name: string,
    plan: WorkerPlan,
    options: QueueEventsOptions | undefined,
  ): void {
    const queueEvents = new QueueEvents(name, {
      ...options,
      prefix: plan.prefix,
      connection: plan.eventsConnection as QueueEventsOptions['connection'],
    });
    // Without a listener BullMQ prints each error (a failover's UNBLOCKED of its XREAD BLOCK) with console.error.
    queueEvents.on('error', (err: Error) => logQueueError(`QueueEvents of "${name}"`, err));
    setHostedQueueEvents(host, queueEvents);
    this.queueEvents.push(queueEvents);
    this.registry.addQueueEvents(queueEvents);
    this.forEachHandler(host, ON_QUEUE_EVENT_METADATA, (event, handler) =>
      queueEvents.on(event as 'completed', handler),
    );
  }

  private forEachHandler(host: object, key: string, attach: (event: string, handler: Handler) => void): void {
    const proto = Object.getPrototypeOf(host) as Record<string, Handler>;
    for (const method of this.scanner.getAllMethodNames(proto)) {
      const meta = Reflect.getMetadata(key, proto[method]) as { eventName?: string } | undefined;
      if (meta?.eventName) attach(meta.eventName, proto[method].bind(host));
    }
  }
}
