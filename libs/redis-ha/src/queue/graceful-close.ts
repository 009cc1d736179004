import { Logger } from '@nestjs/common';
import type { Worker } from 'bullmq';

/** What a graceful close needs of the worker: BullMQ's own API, and the jobs it holds (`RedisHaWorker`). */
export type ClosingWorker = Pick<Worker, 'name' | 'getBackend' | 'cancelAllJobs' | 'disconnect'> & {
  heldJobs(): Array<{ jobId: string; token: string }>;
};

const logger = new Logger('RedisHa:Queue');

/** How long returning a job or dropping a connection may take once the shutdown bound is spent. */
const STEP_BOUND_MS = 2000;

/**
 * A graceful worker close within `timeoutMs`: BullMQ's close stops fetching and waits for the active jobs; if
 * they are not done in time, the jobs this worker still holds go back to the queue (`moveJobFromActiveToWait`,
 * checked against the worker's lock token, so a job that finished meanwhile is left alone), their processors
 * are told to abort, and the connections are dropped. BullMQ's own close has no bound: one hung processor
 * would hold SIGTERM until the orchestrator's SIGKILL, and its jobs until the stalled checker (lockDuration).
 */
export async function closeGracefully(
  worker: ClosingWorker,
  close: () => Promise<void>,
  timeoutMs: number,
): Promise<void> {
  const closing = close();
  closing.catch(() => undefined);
  if (await within(closing, timeoutMs)) return;
  const unfinished = worker.heldJobs();
  const backend = worker.getBackend();
  const returned = await Promise.all(
    unfinished.map(({ jobId, token }) =>
      within(backend.moveJobFromActiveToWait(jobId, token), STEP_BOUND_MS).then(
        (ok) => (ok ? jobId : undefined),
        () => undefined,
      ),
    ),
  );
  const back = returned.filter((id): id is string => id !== undefined);
  const lost = unfinished.map((u) => u.jobId).filter((id) => !back.includes(id));
  logger.warn(
    `Worker of "${worker.name}" still had ${unfinished.length} job(s) after ${timeoutMs} ms (QUEUE_SHUTDOWN_TIMEOUT_MS): ` +
      `returned to the queue: ${back.join(', ') || 'none'}` +
      (lost.length > 0 ? `; left to the stalled checker (could not return): ${lost.join(', ')}` : ''),
  );
  worker.cancelAllJobs('worker shutting down (QUEUE_SHUTDOWN_TIMEOUT_MS)');
  await within(worker.disconnect(), STEP_BOUND_MS).catch(() => false);
}

/** True if `promise` resolved within `ms`; a rejection counts as settled (false is only for the timeout). */
function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([promise.then(() => true), timeout]).finally(() => clearTimeout(timer));
}
