import { QueuePayloadError } from '../errors/queue-payload.error';
import { QueuePayloadTooLargeError } from '../errors/queue-payload-too-large.error';

/** Where the job goes, for the error messages. */
export interface PayloadTarget {
  queueName: string;
  jobName: string;
}

/**
 * Checks that job data survives BullMQ's `JSON.stringify` unchanged and fits `maxBytes`, and returns its size.
 * One stringify pass: the replacer sees every value with its parent, so the error can name the path of the
 * first value JSON would throw on (BigInt, cycles) or silently lose (functions, symbols, Maps, Sets).
 */
export function checkPayload(data: unknown, maxBytes: number, target: PayloadTarget): number {
  const paths = new WeakMap<object, string>();
  const fail = (path: string, reason: string): never => {
    throw new QueuePayloadError(target.queueName, target.jobName, path, reason);
  };
  const replacer = function (this: unknown, key: string, value: unknown): unknown {
    const parent = typeof this === 'object' && this !== null ? paths.get(this) : undefined;
    const path =
      parent === undefined ? 'data' : Array.isArray(this) ? `${parent}[${key}]` : `${parent}.${key}`;
    switch (typeof value) {
      case 'bigint':
        return fail(path, 'is a BigInt (JSON cannot store it; pass a string)');
      case 'function':
        return fail(path, 'is a function (JSON would drop it)');
      case 'symbol':
        return fail(path, 'is a symbol (JSON would drop it)');
      case 'object':
        if (value === null) return value;
        if (value instanceof Map)
          return fail(path, 'is a Map (JSON would store {}); pass Object.fromEntries(map)');
        if (value instanceof Set) return fail(path, 'is a Set (JSON would store {}); pass [...set]');
        paths.set(value, path);
        return value;
      default:
        return value;
    }
  };
  let json: string | undefined;
  try {
    json = JSON.stringify(data, replacer);
  } catch (err) {
    if (err instanceof QueuePayloadError) throw err;
    // A cycle: V8's message names the properties that close it.
    const detail = (err as Error).message.split('\n').slice(1).join(' ').replace(/\s+/g, ' ').trim();
    return fail('data', `contains a circular reference${detail ? ` (${detail})` : ''}`);
  }
  if (json === undefined) return 2; // BullMQ stores undefined job data as {}
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > maxBytes)
    throw new QueuePayloadTooLargeError(target.queueName, target.jobName, bytes, maxBytes);
  return bytes;
}
