/**
 * Job data that BullMQ cannot store as JSON without changing it: a circular structure, a BigInt, a function or
 * symbol (silently dropped by JSON), a Map or Set (stored as `{}`). Thrown by `queue.add()` before anything is
 * written, with the path of the offending value.
 */
export class QueuePayloadError extends Error {
  override readonly name = 'QueuePayloadError';

  constructor(
    readonly queueName: string,
    readonly jobName: string,
    readonly path: string,
    reason: string,
  ) {
    super(
      `Job "${jobName}" for queue "${queueName}" cannot be stored: ${path} ${reason}. Job data must be plain JSON (objects, arrays, strings, numbers, booleans, null); convert it before queue.add()`,
    );
  }
}
