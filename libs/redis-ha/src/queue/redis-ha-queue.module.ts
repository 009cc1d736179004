import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import { isProcessEnv, type Env } from '../config/env-reader';
import {
  isValidQueueName,
  parseQueueConfig,
  queueNamesFromEnv,
  type QueueConfig,
} from '../config/queue.config';
import { loadSection } from '../config/load-config';
import { RedisHaConfigError } from '../errors/redis-ha-config.error';
import { REDIS_HA_ENV } from '../redis-ha.constants';
import { JobIdempotency } from './job-idempotency';
import { QueueExplorer } from './queue-explorer';
import { QueueLifecycle } from './queue-lifecycle';
import { REDIS_HA_QUEUE_CONFIG, REDIS_HA_QUEUE_NAMES, REDIS_HA_WORKER_PLANS } from './queue.constants';
import { processorCheckProvider, queueProvider, type RegisterQueueOptions } from './queue.providers';

/** Options of `RedisHaQueueModule.register()`: the queues, and settings over `QUEUE_*`. */
export interface RedisHaQueueModuleOptions {
  queues: RegisterQueueOptions[];
  /** Queue settings, each over its `QUEUE_*` variable (the same for every queue of this module). */
  settings?: Partial<QueueConfig>;
  /** Modules to import: the `RedisHaModule.forRoot({ isGlobal: false })` module, when the core is not global. */
  imports?: ModuleMetadata['imports'];
}

function checkNames(queues: RegisterQueueOptions[]): string[] {
  const names = queues.map((q) => q.name);
  const problems = [
    ...names
      .filter((n) => !isValidQueueName(n))
      .map(
        (n) =>
          `registerQueue({ name: "${n}" }): queue names are 1-100 of A-Z a-z 0-9 . _ - (BullMQ refuses ":")`,
      ),
    ...queues
      .filter((q) => q.hashTag !== undefined && !isValidQueueName(q.hashTag))
      .map(
        (q) =>
          `registerQueue({ name: "${q.name}", hashTag: "${q.hashTag}" }): a hash tag is 1-100 of A-Z a-z 0-9 . _ - (no braces: the library adds them)`,
      ),
    ...names
      .filter((n, i) => names.indexOf(n) !== i)
      .map((n) => `registerQueue({ name: "${n}" }): registered twice`),
  ];
  if (queues.length === 0) problems.push('registerQueue(): give queues, or list them in QUEUE_NAMES');
  if (problems.length > 0) throw new RedisHaConfigError(problems);
  return names;
}

/**
 * The queues read `QUEUE_NAMES` from `process.env` when they were defined (providers must be known then); the
 * core may read another environment (`forRoot({ env })`). Fail rather than run other queues than configured.
 */
function queueSettings(fromProcessEnv: boolean, names: string[], settings: Partial<QueueConfig>) {
  return (env: Env): QueueConfig => {
    if (fromProcessEnv && !isProcessEnv(env) && queueNamesFromEnv(env).join(',') !== names.join(',')) {
      throw new RedisHaConfigError([
        `registerQueue(): QUEUE_NAMES was read from process.env (${names.join(', ')}), but forRoot({ env }) ` +
          `lists other queues: pass them, registerQueue(...queueNamesFromEnv(env).map((name) => ({ name })))`,
      ]);
    }
    return loadSection(env, parseQueueConfig, settings);
  };
}

/**
 * BullMQ queues on the HA connections, used the @nestjs/bullmq way: `@InjectQueue(name)`, `@Processor(name)` +
 * `WorkerHost`, `@OnWorkerEvent()`, `@QueueEventsListener(name)`. Each call makes one module with its own
 * queues, their workers (built by this module's `QueueExplorer`, never process-wide) and their lifecycle.
 */
@Module({})
export class RedisHaQueueModule {
  /** `registerQueue({ name: 'reports' }, ...)`; with no argument, the queues listed in `QUEUE_NAMES`. */
  static registerQueue(...queues: RegisterQueueOptions[]): DynamicModule {
    return RedisHaQueueModule.build({ queues }, queues.length === 0);
  }

  /** The queues with settings of their own (over `QUEUE_*`) and, for a non-global core, its module. */
  static register(options: RedisHaQueueModuleOptions): DynamicModule {
    return RedisHaQueueModule.build(options, false);
  }

  private static build(options: RedisHaQueueModuleOptions, fromProcessEnv: boolean): DynamicModule {
    const queues = fromProcessEnv ? queueNamesFromEnv().map((name) => ({ name })) : options.queues;
    const names = checkNames(queues);
    return {
      module: RedisHaQueueModule,
      imports: [...(options.imports ?? []), DiscoveryModule],
      providers: [
        { provide: REDIS_HA_QUEUE_NAMES, useValue: names },
        {
          provide: REDIS_HA_QUEUE_CONFIG,
          useFactory: queueSettings(fromProcessEnv, names, options.settings ?? {}),
          inject: [REDIS_HA_ENV],
        },
        { provide: REDIS_HA_WORKER_PLANS, useValue: new Map() },
        QueueLifecycle,
        QueueExplorer,
        processorCheckProvider,
        JobIdempotency,
        ...queues.map(queueProvider),
      ],
      exports: [...names.map((name) => getQueueToken(name)), JobIdempotency, REDIS_HA_QUEUE_CONFIG],
    };
  }
}
