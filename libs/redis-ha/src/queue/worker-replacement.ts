import { WorkerHost } from '@nestjs/bullmq';
import type { DiscoveryService } from '@nestjs/core';
import type { WorkerOptions } from 'bullmq';
import { hostedWorker, setHostedWorker, workerProcessor } from '../internals/bullmq';
import { RedisHaWorker } from './redis-ha-worker';

/**
 * The last resort of the worker guard: a new worker with the stuck one's processor, options and listeners
 * (`@OnWorkerEvent()` handlers, the application's own), put in its place on its `WorkerHost` so
 * `this.worker` answers the new one. The stuck worker is force-closed; the jobs it held come back through the
 * stalled checker (their locks are no longer renewed).
 */
export function replaceWorker(
  stuck: RedisHaWorker,
  internalListeners: ReadonlySet<unknown>,
  discovery: DiscoveryService,
): RedisHaWorker {
  const replacement = new RedisHaWorker(
    stuck.name,
    workerProcessor(stuck),
    stuck.opts as WorkerOptions,
    stuck.plan,
  );
  for (const event of stuck.eventNames()) {
    for (const listener of stuck.listeners(event)) {
      if (!internalListeners.has(listener))
        replacement.on(event as 'error', listener as (err: Error) => void);
    }
  }
  for (const { instance } of discovery.getProviders()) {
    if (instance instanceof WorkerHost && hostedWorker(instance) === stuck)
      setHostedWorker(instance, replacement);
  }
  void stuck.close(true).catch(() => undefined);
  return replacement;
}
