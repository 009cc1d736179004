/**
 * Job data larger (as JSON) than `QUEUE_MAX_PAYLOAD_BYTES`. Thrown by `queue.add()` before anything is written:
 * store large data elsewhere (object storage, a database) and put its key in the job.
 */
export class QueuePayloadTooLargeError extends Error {
  override readonly name = 'QueuePayloadTooLargeError';

  constructor(
    readonly queueName: string,
    readonly jobName: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      `Job "${jobName}" for queue "${queueName}" is ${bytes} bytes as JSON, over QUEUE_MAX_PAYLOAD_BYTES (${limit}). Put large data elsewhere and pass its key, or raise QUEUE_MAX_PAYLOAD_BYTES`,
    );
  }
}
