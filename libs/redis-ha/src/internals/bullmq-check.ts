import { Processor, QueueEventsHost, WorkerHost } from '@nestjs/bullmq';
import { createIORedisClient, Queue, RedisQueueBackend, Worker } from 'bullmq';
import Redis from 'ioredis';
import {
  hostedQueueEvents,
  hostedWorker,
  PROCESSOR_METADATA,
  setHostedWorker,
  WORKER_OVERRIDES,
} from './bullmq';
import { checkInternals, installedVersion, runOnce, type AssertInternalsOptions } from './check-internals';

export const BULLMQ_SUPPORTED = '6.x (tested with 6.7.0)';
export const NEST_BULLMQ_SUPPORTED = '11.x (tested with 11.0.5)';

const isGetter = (proto: object, name: string) =>
  typeof Object.getOwnPropertyDescriptor(proto, name)?.get === 'function';

/**
 * The BullMQ internals of internals/bullmq.ts that are missing or changed in the installed BullMQ. Looks at
 * prototypes and class source, and wraps a lazyConnect ioredis client: nothing connects, no Worker is built.
 */
export function probeBullmqInternals(): string[] {
  const missing: string[] = [];
  for (const name of WORKER_OVERRIDES) {
    if (typeof (Worker.prototype as unknown as Record<string, unknown>)[name] !== 'function')
      missing.push(`Worker#${name}`);
  }
  if (!/this\.processFn\s*=/.test(Worker.toString())) missing.push('Worker#processFn');
  for (const owner of [Queue, Worker]) {
    if (typeof owner.prototype.getBackend !== 'function') missing.push(`${owner.name}#getBackend`);
  }
  const backend: object = RedisQueueBackend?.prototype ?? {};
  for (const name of ['client', 'blockingClient']) {
    if (!isGetter(backend, name)) missing.push(`RedisQueueBackend#${name} (getter)`);
  }
  for (const name of ['moveJobFromActiveToWait', 'disconnectBlocking', 'reconnectBlocking']) {
    if (typeof (backend as Record<string, unknown>)[name] !== 'function')
      missing.push(`RedisQueueBackend#${name}`);
  }
  const raw = new Redis({ lazyConnect: true });
  const proxy = createIORedisClient(raw) as unknown as Record<string, unknown>;
  if (proxy.commandQueue !== raw.commandQueue || typeof proxy.call !== 'function')
    missing.push('the ioredis client proxy forwarding every ioredis member');
  return missing;
}

/** The @nestjs/bullmq internals of internals/bullmq.ts that are missing or changed in the installed version. */
export function probeNestBullmqInternals(): string[] {
  const missing: string[] = [];
  class ProbeHost extends WorkerHost {
    async process(): Promise<void> {}
  }
  const marker = Object.create(Worker.prototype) as Worker;
  const host = new ProbeHost();
  const before = hostedWorker(host);
  setHostedWorker(host, marker);
  if (before !== undefined || !isGetter(WorkerHost.prototype, 'worker') || host.worker !== marker)
    missing.push('WorkerHost#_worker (behind its worker getter)');
  class ProbeEventsHost extends QueueEventsHost {}
  const eventsHost = new ProbeEventsHost();
  const eventsMarker = { name: 'redis-ha-internals-probe' };
  Object.assign(eventsHost, { _queueEvents: eventsMarker }); // as the explorer does
  const seen: unknown[] = [hostedQueueEvents(eventsHost), eventsHost.queueEvents];
  if (seen.some((value) => value !== eventsMarker))
    missing.push('QueueEventsHost#_queueEvents (behind its queueEvents getter)');
  Processor('redis-ha-internals-probe')(ProbeHost);
  const meta = Reflect.getMetadata(PROCESSOR_METADATA, ProbeHost) as { name?: string } | undefined;
  if (meta?.name !== 'redis-ha-internals-probe')
    missing.push(`@Processor() metadata key "${PROCESSOR_METADATA}"`);
  return missing;
}

const state = { done: false };

/**
 * Throws if the installed BullMQ or @nestjs/bullmq lacks an internal the library uses (see internals/bullmq.ts),
 * naming both packages' versions as needed. Probes once per process; `options` fake BullMQ's version or probe,
 * `options.nest` those of @nestjs/bullmq, in tests.
 */
export function assertBullmqInternals(
  options: AssertInternalsOptions & { nest?: AssertInternalsOptions } = {},
): void {
  const nest = options.nest ?? {};
  const faked = { version: options.version ?? nest.version, probe: options.probe ?? nest.probe };
  runOnce(state, faked, () =>
    checkInternals(
      {
        pkg: 'bullmq',
        version: options.version ?? installedVersion('bullmq'),
        supported: BULLMQ_SUPPORTED,
        missing: (options.probe ?? probeBullmqInternals)(),
      },
      {
        pkg: '@nestjs/bullmq',
        version: nest.version ?? installedVersion('@nestjs/bullmq'),
        supported: NEST_BULLMQ_SUPPORTED,
        missing: (nest.probe ?? probeNestBullmqInternals)(),
      },
    ),
  );
}
