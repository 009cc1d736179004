import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { isValidQueueName, queueNamesFromEnv } from '../config/queue.config';
import { RedisHaConfigError } from '../errors/redis-ha-config.error';
import { JobIdempotency } from './job-idempotency';
import { QueueLifecycle } from './queue-lifecycle';
import { REDIS_HA_QUEUE_NAMES } from './queue.constants';
import { processorCheckProvider, queueProvider, type RegisterQueueOptions } from './queue.providers';
import { RedisHaWorker } from './redis-ha-worker';

export type { RegisterQueueOptions } from './queue.providers';

/** The module each `RedisHaModule.registerQueue()` call returns (one instance per call). */
@Module({})
export class RedisHaQueueModule {}

/**
 * `RedisHaModule.registerQueue({ name: 'reports' }, ...)`: BullMQ queues on the library's connections, used the
 * @nestjs/bullmq way (`@InjectQueue()`, `@Processor()` + `WorkerHost`, `@OnWorkerEvent()`). With no
 * arguments, registers the queues listed in `QUEUE_NAMES`.
 */
export function registerQueues(queues: RegisterQueueOptions[]): DynamicModule {
  const list = queues.length > 0 ? queues : queueNamesFromEnv().map((name) => ({ name }));
  const names = list.map((q) => q.name);
  const problems = [
    ...names
      .filter((n) => !isValidQueueName(n))
      .map(
        (n) =>
          `registerQueue({ name: "${n}" }): queue names are 1-100 of A-Z a-z 0-9 . _ - (BullMQ refuses ":")`,
      ),
    ...names
      .filter((n, i) => names.indexOf(n) !== i)
      .map((n) => `registerQueue({ name: "${n}" }): registered twice`),
  ];
  if (list.length === 0) problems.push('registerQueue(): give queues, or list them in QUEUE_NAMES');
  if (problems.length > 0) throw new RedisHaConfigError(problems);
  // @nestjs/bullmq's explorer builds the Worker of every @Processor() with this class; for connections other than
  // the library's it is a plain BullMQ Worker.
  BullModule.workerClass = RedisHaWorker;
  return {
    module: RedisHaQueueModule,
    // `BullModule.registerQueue()` with no queue: only its core (the explorer that creates Workers, the registrar).
    imports: [BullModule.registerQueue(), DiscoveryModule],
    providers: [
      { provide: REDIS_HA_QUEUE_NAMES, useValue: names },
      QueueLifecycle,
      processorCheckProvider,
      JobIdempotency,
      ...list.map(queueProvider),
    ],
    exports: [...names.map((name) => getQueueToken(name)), JobIdempotency],
  };
}
