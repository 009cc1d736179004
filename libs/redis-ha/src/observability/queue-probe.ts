import type { Queue, Worker } from 'bullmq';
import { backendBlockingRedis, backendRedis } from '../internals/bullmq';
import type { QueueRegistry } from '../queue/queue-registry';
import { boundedProbe, reason, withTimeout, type ProbedClient } from './bounded-probe';

/** Job states counted per queue (BullMQ `getJobCounts`). */
export const JOB_STATES = [
  'waiting',
  'prioritized',
  'active',
  'delayed',
  'failed',
  'waiting-children',
] as const;

export interface WorkerSample {
  running: boolean;
  paused: boolean;
  /** Its command connection and its blocking connection (if any) are ready. */
  connected: boolean;
}

export interface QueueSample {
  name: string;
  counts?: Record<string, number>;
  countsError?: string;
  workers: WorkerSample[];
}

/**
 * Job counts and worker state of every queue in the registry, each queue within `budgetMs` (in parallel).
 * Counts come from the queue's own (producer) connection through a bounded probe, so a hung master costs one
 * budget, not a queue of waiting commands.
 */
export async function sampleQueues(registry: QueueRegistry, budgetMs: number): Promise<QueueSample[]> {
  const names = [...new Set([...registry.queues.keys(), ...registry.workers.keys()])].sort();
  return Promise.all(
    names.map(async (name): Promise<QueueSample> => {
      const queue = registry.queues.get(name);
      const [counts, workers] = await Promise.all([
        queue ? countJobs(queue, budgetMs) : Promise.resolve({ countsError: undefined }),
        Promise.all((registry.workers.get(name) ?? []).map((w) => sampleWorker(w, budgetMs))),
      ]);
      return { name, ...counts, workers };
    }),
  );
}

async function countJobs(
  queue: Queue,
  budgetMs: number,
): Promise<{ counts?: Record<string, number>; countsError?: string }> {
  const target = `queue "${queue.name}"`;
  const started = Date.now();
  try {
    const client: ProbedClient = await withTimeout(backendRedis(queue), budgetMs, target);
    const left = Math.max(1, budgetMs - (Date.now() - started));
    const counts = await boundedProbe(client, target, left, () => queue.getJobCounts(...JOB_STATES));
    return { counts };
  } catch (err) {
    return { countsError: reason(err) };
  }
}

async function sampleWorker(worker: Worker, budgetMs: number): Promise<WorkerSample> {
  const running = worker.isRunning();
  const paused = worker.isPaused();
  const statusOf = async (client: Promise<{ status: string }> | undefined): Promise<string> =>
    client ? (await withTimeout(client, budgetMs, `worker of "${worker.name}"`)).status : 'ready';
  try {
    const [main, blocking] = await Promise.all([
      statusOf(backendRedis(worker)),
      statusOf(backendBlockingRedis(worker)),
    ]);
    return { running, paused, connected: main === 'ready' && blocking === 'ready' };
  } catch {
    return { running, paused, connected: false };
  }
}
