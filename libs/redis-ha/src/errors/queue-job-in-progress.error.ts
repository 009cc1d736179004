/**
 * `JobIdempotency.once()` found another run of the same key still in progress (a duplicate delivery while the
 * first run goes on, e.g. a job returned to the queue at shutdown). This attempt fails; with `attempts` and a
 * `backoff` on the job, BullMQ retries it later and the retry returns the first run's result.
 */
export class QueueJobInProgressError extends Error {
  override readonly name = 'QueueJobInProgressError';

  constructor(readonly key: string) {
    super(
      `Another run of idempotency key "${key}" is in progress; retry later (give the job attempts and a backoff)`,
    );
  }
}
