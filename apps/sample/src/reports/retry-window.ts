import { QueuePayloadError, QueuePayloadTooLargeError } from '@app/redis-ha/queue';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Errors that no retry can fix: the request itself is wrong. */
function permanent(err: unknown): boolean {
  return err instanceof QueuePayloadError || err instanceof QueuePayloadTooLargeError;
}

/**
 * Runs `attempt` until it succeeds, retrying what a failover explains (an add the command timeout gave up on,
 * a durable add whose replica did not confirm in time) every 50 to 250 ms for up to `windowMs`, then rethrows
 * the last error. `windowMs` 0 tries once.
 *
 * The library's producer already waits out a failover shorter than `REDIS_COMMAND_TIMEOUT_MS`; this window
 * covers what is left (an unconfirmed durable add, a longer outage) for as long as the app chooses. Only safe
 * for idempotent attempts: the adds that go through here carry a job id.
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
