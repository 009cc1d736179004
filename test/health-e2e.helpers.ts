import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Queue, Worker, type ConnectionOptions, type Processor } from 'bullmq';
import type { AddressInfo } from 'node:net';
import { RedisHaConnectionFactory, RedisHaModule } from '@app/redis-ha';
import { RedisHaCacheModule, type RedisHaCacheModuleOptions } from '@app/redis-ha/cache';
import { RedisHaHealthModule, type RedisHaHealthModuleOptions } from '@app/redis-ha/health';
import { QueueRegistry } from '@app/redis-ha/queue/queue-registry';
import type { RedisHaModuleOptions } from '@app/redis-ha';

/** The health/metrics e2e suites' app: the core, the cache and RedisHaHealthModule over HTTP on 127.0.0.1. */
export interface HealthApp {
  app: INestApplication;
  url: string;
  close(signal?: string): Promise<void>;
}

export async function startHealthApp(
  env: Record<string, string>,
  options: Omit<RedisHaModuleOptions, 'env'> & {
    cache?: RedisHaCacheModuleOptions | false;
    health?: RedisHaHealthModuleOptions;
  } = {},
): Promise<HealthApp> {
  const { cache = {}, health, ...core } = options;
  const moduleRef = await Test.createTestingModule({
    imports: [
      RedisHaModule.forRoot({ ...core, env }),
      // The cache too (unless `cache: false`), so its health and metrics are part of what the suites check.
      ...(cache === false ? [] : [RedisHaCacheModule.register({ isGlobal: true, ...cache })]),
      health ? RedisHaHealthModule.register(health) : RedisHaHealthModule,
    ],
  }).compile();
  // Terminus logs every failing check as an error: the suites provoke failures on purpose.
  const app = moduleRef.createNestApplication({
    logger: process.env.HEALTH_E2E_LOGS ? ['log', 'warn', 'error'] : false,
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    close: (signal) => (app as unknown as { close(signal?: string): Promise<void> }).close(signal),
  };
}

export interface HttpResult {
  status: number;
  ms: number;
  body: any;
  text: string;
}

/** GET `path`; never rejects on an HTTP status (network errors become status 0). */
export async function get(base: string, path: string, timeoutMs = 10_000): Promise<HttpResult> {
  const started = performance.now();
  try {
    const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.status, ms: performance.now() - started, body, text };
  } catch (err) {
    return { status: 0, ms: performance.now() - started, body: undefined, text: String(err) };
  }
}

/**
 * A BullMQ queue and worker on the library's connection options, registered in the `QueueRegistry` the way
 * the queue feature does, so that the health indicator and the metrics see them.
 */
export async function addQueue(
  app: INestApplication,
  name: string,
  processor: Processor = async () => 'done',
): Promise<{ queue: Queue; worker: Worker; close(): Promise<void> }> {
  const factory = app.get(RedisHaConnectionFactory);
  const registry = app.get(QueueRegistry);
  const prefix = '{bull}';
  const queue = new Queue(name, {
    connection: factory.options('producer', `${name}:queue`) as ConnectionOptions,
    prefix,
  });
  const worker = new Worker(name, processor, {
    connection: factory.options('blocking', `${name}:worker`) as ConnectionOptions,
    prefix,
  });
  queue.on('error', () => undefined);
  worker.on('error', () => undefined);
  await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
  registry.addQueue(queue);
  registry.addWorker(worker);
  return {
    queue,
    worker,
    close: async () => {
      registry.removeWorker(worker);
      registry.queues.delete(name);
      await worker.close(true);
      await queue.close();
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 100 ms until it returns true; throws with `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<number> {
  const started = Date.now();
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return Date.now() - started;
    } catch (err) {
      last = err;
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await sleep(100);
  }
}
