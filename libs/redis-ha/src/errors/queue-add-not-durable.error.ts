/**
 * A durable `queue.add()` (`QUEUE_DURABLE_ADDS`) whose job the master accepted but no replica confirmed in time
 * (`WAIT`), or whose connection changed before the confirmation: the job may be lost if the master fails now.
 * `jobId` names the job that was added; retrying with the same `jobId` (see `jobIdFor()`) cannot duplicate it.
 */
export class QueueAddNotDurableError extends Error {
  override readonly name = 'QueueAddNotDurableError';

  constructor(
    readonly queueName: string,
    readonly jobId: string | undefined,
    reason: string,
    /** `replicas`: too few replicas confirmed in time; `connection`: the connection was lost or changed first. */
    readonly kind: 'replicas' | 'connection' = 'replicas',
  ) {
    super(
      `Job ${jobId ?? '(unknown id)'} was added to queue "${queueName}" but ${reason}; it may not survive a failover. Retry the add with the same jobId, or check the replicas (QUEUE_DURABLE_REPLICAS, QUEUE_DURABLE_TIMEOUT_MS)`,
    );
  }
}
