import { CacheSerializationError } from '../errors/cache-serialization.error';
import { CacheValueTooLargeError } from '../errors/cache-value-too-large.error';
import { CacheSerializer, SKIP_ENTRY, encodeValue } from './cache-serializer';

describe('CacheSerializer', () => {
  const serializer = new CacheSerializer(1_048_576);
  const roundTrip = <T>(value: T): T =>
    serializer.deserialize<T>(serializer.serialize({ value, expires: 123 })).value;

  const values: Array<[string, unknown]> = [
    ['a string', 'hello'],
    ['a string starting with ":" (Keyv escapes those)', ':base64:abc'],
    ['an empty string', ''],
    ['numbers', [0, 1.5, -7, Number.MAX_SAFE_INTEGER]],
    ['NaN, Infinity, -Infinity', [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]],
    ['booleans and null', [true, false, null]],
    ['a Date', new Date('2024-02-29T23:59:59.999Z')],
    ['a Buffer', Buffer.from([0, 1, 2, 253, 254, 255])],
    [
      'a Map with object keys',
      new Map<unknown, unknown>([
        [{ id: 1 }, 'one'],
        ['two', new Date(2)],
      ]),
    ],
    ['a Set', new Set(['a', 1, null])],
    ['a BigInt', 12345678901234567890123n],
    [
      'nested structures',
      { a: [{ b: { c: [1, { d: new Date(5) }] } }], e: { f: new Map([['g', new Set([1])]]) } },
    ],
    ['an object with a $t key of its own', { $t: 'Date', v: '2024-01-01' }],
    ['a nested object with $t', { inner: { $t: 'x', v: [1], other: true } }],
    ['a string containing "$t"', 'say "$t" and {"$t":"Date","v":0}'],
    ['unicode', 'zażółć gęślą jaźń 🐘'],
  ];
  it.each(values)('round-trips %s', (_, value) => {
    expect(roundTrip(value)).toEqual(value);
  });

  it('keeps -0 and the Buffer type exactly', () => {
    expect(Object.is(roundTrip(-0), -0)).toBe(true);
    expect(Buffer.isBuffer(roundTrip({ b: Buffer.from('x') }).b)).toBe(true);
    expect(roundTrip(new Date(7))).toBeInstanceOf(Date);
    const invalid = roundTrip(new Date(Number.NaN));
    expect(invalid).toBeInstanceOf(Date);
    expect(Number.isNaN(invalid.getTime())).toBe(true);
  });

  it('writes the Keyv envelope: value, expires, and delta for early refresh', () => {
    expect(serializer.serialize({ value: 'v', expires: 5, delta: 12 })).toBe(
      '{"value":"v","expires":5,"delta":12}',
    );
    expect(serializer.deserialize('{"value":{"a":1},"expires":9}')).toEqual({ value: { a: 1 }, expires: 9 });
  });

  it('documents what does not round-trip exactly: JSON rules for undefined and class instances', () => {
    class Point {
      constructor(readonly x: number) {}
    }
    expect(roundTrip({ a: undefined, b: 1 })).toEqual({ b: 1 });
    expect(roundTrip([undefined, 1])).toEqual([null, 1]);
    expect(roundTrip(new Point(1))).toEqual({ x: 1 });
    expect(roundTrip({ toJSON: () => 'custom' })).toBe('custom');
  });

  it('skips undefined: the store writes nothing', () => {
    expect(serializer.serialize({ value: undefined, expires: 1 })).toBe(SKIP_ENTRY);
  });

  const refused: Array<[string, unknown, RegExp]> = [
    ['a function', () => 1, /a function at "\(root\)"/],
    ['a nested function', { a: { run() {} } }, /a function at "run"/],
    ['a symbol', { s: Symbol('x') }, /a symbol at "s"/],
    ['a typed array', { t: new Uint16Array(2) }, /Uint16Array at "t" \(use a Buffer\)/],
    [
      'a circular structure',
      (() => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return o;
      })(),
      /circular/i,
    ],
  ];
  it.each(refused)('refuses %s with CacheSerializationError', (_, value, message) => {
    expect(() => serializer.serialize({ value })).toThrow(CacheSerializationError);
    expect(() => serializer.serialize({ value })).toThrow(message);
  });

  it('refuses values over the byte limit (counting UTF-8 bytes) and reports each refusal', () => {
    const rejected: Error[] = [];
    const small = new CacheSerializer(100, (err) => rejected.push(err));
    expect(() => small.serialize({ value: 'x'.repeat(70) })).not.toThrow();
    expect(() => small.serialize({ value: 'ż'.repeat(50) })).toThrow(CacheValueTooLargeError);
    expect(() => small.serialize({ value: 'ż'.repeat(50) })).toThrow(
      /over the limit of 100 \(raise CACHE_MAX_VALUE_BYTES/,
    );
    expect(() => small.serialize({ value: () => 1 })).toThrow(CacheSerializationError);
    expect(rejected).toHaveLength(3);
  });

  it('encodes plain scalars as plain JSON (the fast path)', () => {
    expect(encodeValue('a')).toBe('"a"');
    expect(encodeValue(3)).toBe('3');
    expect(encodeValue(null)).toBe('null');
  });

  const strings = [
    'v'.repeat(100),
    '',
    'quote " inside',
    'back\\slash',
    'tab\tnew\nline\u0000nul\u001f',
    'del \u007f, line sep \u2028, slash /',
    'pair \ud83d\udc18 and lone \ud800 \udc00',
    ',"expires":1}',
    '"$t"',
  ];
  it.each(strings)('writes strings exactly as JSON.stringify does: %j', (value) => {
    expect(encodeValue(value)).toBe(JSON.stringify(value));
  });

  it.each(strings)('reads string entries exactly as JSON.parse does: %j', (value) => {
    const text = serializer.serialize({ value, expires: 1_733_000_000_000 });
    expect(serializer.deserialize(text)).toStrictEqual(JSON.parse(text));
  });

  it('reads entries that only look like a plain string entry as JSON.parse does, or throws as it does', () => {
    const parsed = [
      '{"value":"a","expires":1,"delta":2}',
      '{"value":"a","expires":1.5}',
      '{"value":"a","expires":12345678901234567890}',
      '{"value":"a","delta":2}',
      '{"value":"a"}',
      '{"value":"a","expires":9}',
    ];
    for (const text of parsed) expect(serializer.deserialize(text)).toStrictEqual(JSON.parse(text));
    for (const text of [
      '{"value":"a","expires":01}',
      '{"value":"a","expires":1',
      '{"value":"\u0001","expires":1}',
    ])
      expect(() => serializer.deserialize(text)).toThrow(SyntaxError);
  });

  it('agrees with JSON on every UTF-16 code unit, alone in a string', () => {
    const read = (text: string, parse: (t: string) => { value: unknown; expires?: number }) => {
      try {
        const { value, expires } = parse(text);
        return `${String(value)} ${expires}`;
      } catch (err) {
        return err instanceof SyntaxError ? 'SyntaxError' : String(err);
      }
    };
    const differ: number[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      const value = String.fromCharCode(code);
      const text = `{"value":"${value}","expires":1}`;
      if (
        encodeValue(value) !== JSON.stringify(value) ||
        read(text, serializer.deserialize) !== read(text, JSON.parse)
      )
        differ.push(code);
    }
    expect(differ).toEqual([]);
  });
});
