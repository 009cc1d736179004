import { QueuePayloadError } from '../errors/queue-payload.error';
import { QueuePayloadTooLargeError } from '../errors/queue-payload-too-large.error';
import { checkPayload } from './payload-check';

const target = { queueName: 'reports', jobName: 'render' };
const check = (data: unknown, max = 1_000_000) => checkPayload(data, max, target);

describe('checkPayload', () => {
  it.each<[string, unknown, number]>([
    ['an object', { a: 1, b: 'x' }, '{"a":1,"b":"x"}'.length],
    ['an array', [1, 2], 5],
    ['a string', 'é', 4], // UTF-8 bytes, quotes included
    ['null', null, 4],
    ['undefined (BullMQ stores {})', undefined, 2],
    ['a Date (becomes its ISO string)', { at: new Date(0) }, '{"at":"1970-01-01T00:00:00.000Z"}'.length],
    ['undefined fields (JSON omits them, as JS code expects)', { a: undefined, b: 1 }, '{"b":1}'.length],
  ])('accepts %s and returns its JSON size', (_what, data, bytes) => {
    expect(check(data)).toBe(bytes);
  });

  it.each<[string, unknown, RegExp]>([
    ['a BigInt', { user: { id: 1n } }, /data\.user\.id is a BigInt/],
    ['a function', { cb: () => 1 }, /data\.cb is a function/],
    ['a symbol', { s: Symbol('x') }, /data\.s is a symbol/],
    ['a Map', { m: new Map([[1, 2]]) }, /data\.m is a Map .*Object\.fromEntries/],
    ['a Set deep in an array', { list: [{ tags: new Set() }] }, /data\.list\[0\]\.tags is a Set/],
    ['a BigInt at the top', 5n, /data is a BigInt/],
  ])('refuses %s, naming its path', (_what, data, message) => {
    expect(() => check(data)).toThrow(QueuePayloadError);
    expect(() => check(data)).toThrow(message);
  });

  it('refuses a circular structure, with what closes the circle', () => {
    const data: Record<string, unknown> = { child: {} };
    (data.child as Record<string, unknown>).parent = data;
    expect(() => check(data)).toThrow(
      /Job "render" for queue "reports" cannot be stored: data contains a circular reference \(.*parent.*\)/,
    );
  });

  it('refuses data over the limit with its size and the setting to raise', () => {
    expect(check('x'.repeat(98), 100)).toBe(100);
    expect(() => check('x'.repeat(99), 100)).toThrow(QueuePayloadTooLargeError);
    expect(() => check('x'.repeat(99), 100)).toThrow(
      /is 101 bytes as JSON, over QUEUE_MAX_PAYLOAD_BYTES \(100\)/,
    );
  });
});
