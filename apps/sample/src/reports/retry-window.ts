import { QueuePayloadError, QueuePayloadTooLargeError } from '@app/redis-ha/queue';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Errors that no retry can fix: the request itself is wrong. */
function permanent(err: unknown): boolean {
  return err instanceof QueuePayloadError || err instanceof QueuePayloadTooLargeError;
}

/**
 * Runs `attempt` until it succeeds, retrying what a failover explains (the queue's producer connection fails
 * fast while the master is being replaced, a durable add whose replica did not confirm in time) every 50 to
 * 250 ms for up to `windowMs`, then rethrows the last error. `windowMs` 0 tries once.
 *
 * The library's producer fails fast on purpose: how long a request may wait is the app's choice. This app
 * waits through a failover (a few seconds) rather than answer 503, so its users see a slow request instead of
 * an error. Only safe for idempotent attempts: the adds that go through here carry a job id.
 */
export async function withinRetryWindow<T>(windowMs: number, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + windowMs;
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      const delay = Math.min(50 * 2 ** n, 250);
      if (permanent(err) || Date.now() + delay > deadline) throw err;
      await sleep(delay);
    }
  }
}
