import { CacheSerializationError } from '../errors/cache-serialization.error';
import { CacheValueTooLargeError } from '../errors/cache-value-too-large.error';

/**
 * What the cache stores under a key: Keyv's envelope (`value`, `expires` in epoch ms) so that `CACHE_MANAGER`
 * and `RedisHaCache` read each other's entries, plus `delta`, the loader's duration that early refresh needs.
 */
export interface CacheEnvelope<T = unknown> {
  value: T;
  expires?: number;
  delta?: number;
}

/** What `serialize()` returns for an `undefined` value: the store writes nothing (a documented skip). */
export const SKIP_ENTRY = '\u0000skip';

const TAG = '$t';
const TAG_IN_TEXT = '"$t"';

/**
 * JSON with tagged types, so that what is read back equals what was written: Date, Buffer, Map, Set, BigInt,
 * NaN/Infinity/-0 and objects that have a `$t` key themselves are encoded as `{"$t": type, "v": ...}`. As in
 * JSON, `undefined` object properties are dropped and `undefined` array items become `null`; class instances
 * come back as plain objects (their `toJSON()` is used when they have one). Functions, symbols, typed arrays
 * other than Buffer and circular structures are refused with `CacheSerializationError`, never stored half.
 */
function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  switch (typeof raw) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return value;
    case 'number':
      return Number.isFinite(raw) && !Object.is(raw, -0)
        ? raw
        : { [TAG]: 'Number', v: String(Object.is(raw, -0) ? '-0' : raw) };
    case 'bigint':
      return { [TAG]: 'BigInt', v: raw.toString() };
    case 'function':
    case 'symbol':
      throw new CacheSerializationError(`a ${typeof raw} at "${key || '(root)'}"`);
  }
  if (raw === null || Array.isArray(raw)) return value;
  if (raw instanceof Date)
    return { [TAG]: 'Date', v: Number.isNaN(raw.getTime()) ? null : raw.toISOString() };
  if (Buffer.isBuffer(raw)) return { [TAG]: 'Buffer', v: raw.toString('base64') };
  if (raw instanceof Map) return { [TAG]: 'Map', v: [...raw] };
  if (raw instanceof Set) return { [TAG]: 'Set', v: [...raw] };
  if (ArrayBuffer.isView(raw) || raw instanceof ArrayBuffer) {
    throw new CacheSerializationError(`a ${raw.constructor.name} at "${key || '(root)'}" (use a Buffer)`);
  }
  if (Object.prototype.hasOwnProperty.call(raw, TAG))
    return { [TAG]: 'Object', v: Object.entries(raw as object) };
  return value;
}

function reviver(_key: string, value: any): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || typeof value[TAG] !== 'string')
    return value;
  const v = value.v;
  switch (value[TAG]) {
    case 'Date':
      return new Date(v ?? Number.NaN);
    case 'Buffer':
      return Buffer.from(v, 'base64');
    case 'Map':
      return new Map(v);
    case 'Set':
      return new Set(v);
    case 'BigInt':
      return BigInt(v);
    case 'Number':
      return Number(v);
    case 'Object':
      return Object.fromEntries(v);
    default:
      return value;
  }
}

function isPlainScalar(value: unknown): boolean {
  const type = typeof value;
  if (type === 'string' || type === 'boolean' || value === null) return true;
  return type === 'number' && Number.isFinite(value) && !Object.is(value, -0);
}

/**
 * What JSON.stringify escapes in a string: `"`, `\`, characters below a space and lone surrogates (any surrogate
 * here, pairs too, goes the slow way). Written as the complement of what needs no escape (one class, no
 * alternative: faster, and the pattern holds no control character). A string without any is its JSON text
 * between quotes.
 */
const JSON_ESCAPED = /[^ !#-[\]-\ud7ff\ue000-\uffff]/;

/** The JSON text of one value (with tags where plain JSON would not read back equal). */
export function encodeValue(value: unknown): string {
  // Strings are most values: a regex test and a concatenation cost half of JSON.stringify's scan and copy.
  if (typeof value === 'string') return JSON_ESCAPED.test(value) ? JSON.stringify(value) : `"${value}"`;
  if (isPlainScalar(value)) return JSON.stringify(value);
  let text: string | undefined;
  try {
    text = JSON.stringify(value, replacer);
  } catch (err) {
    if (err instanceof CacheSerializationError) throw err;
    throw new CacheSerializationError((err as Error).message.split('\n')[0]);
  }
  if (text === undefined) throw new CacheSerializationError('the value has no JSON form');
  return text;
}

const ENTRY_HEAD = '{"value":"';
const ENTRY_EXPIRES = '","expires":';
/** A backslash or a character below a space (see `JSON_ESCAPED`). */
const BACKSLASH_OR_CONTROL = /\\|[^ -\uffff]/;
const EPOCH_MS = /^[1-9][0-9]{0,15}$/;

/**
 * `{"value":"<string>","expires":<ms>}`, the entry of a string set through `CACHE_MANAGER`, read without
 * JSON.parse (half its cost): the string has no `"`, no `\` and no control character, so JSON.parse would
 * return its text as is. Undefined for any other text, which JSON.parse then reads.
 */
function plainStringEntry(text: string): CacheEnvelope<string> | undefined {
  if (!text.startsWith(ENTRY_HEAD)) return undefined;
  const end = text.indexOf('"', ENTRY_HEAD.length);
  if (end < 0 || !text.startsWith(ENTRY_EXPIRES, end) || text.charCodeAt(text.length - 1) !== 0x7d)
    return undefined;
  const value = text.slice(ENTRY_HEAD.length, end);
  const expires = text.slice(end + ENTRY_EXPIRES.length, -1);
  if (BACKSLASH_OR_CONTROL.test(value) || !EPOCH_MS.test(expires)) return undefined;
  return { value, expires: Number(expires) };
}

/** Serializes envelopes and refuses those over `maxValueBytes`; one instance per cache. */
export class CacheSerializer {
  constructor(
    readonly maxValueBytes: number,
    /** Called for each refused value (metrics). */
    private readonly onReject: (err: Error) => void = () => undefined,
  ) {}

  readonly serialize = (data: CacheEnvelope): string =>
    this.serializeEntry(data.value, data.expires, data.delta);

  /** `serialize({ value, expires, delta })` without building the envelope. */
  serializeEntry(value: unknown, expires?: number, delta?: number): string {
    if (value === undefined) return SKIP_ENTRY;
    try {
      return this.encode(value, expires, delta);
    } catch (err) {
      this.onReject(err as Error);
      throw err;
    }
  }

  readonly deserialize = <T = unknown>(text: string): CacheEnvelope<T> => {
    const plain = plainStringEntry(text);
    if (plain !== undefined) return plain as CacheEnvelope<T>;
    return text.includes(TAG_IN_TEXT) ? JSON.parse(text, reviver) : JSON.parse(text);
  };

  private encode(value: unknown, expires: number | undefined, delta: number | undefined): string {
    let text = `{"value":${encodeValue(value)}`;
    if (typeof expires === 'number') text += `,"expires":${expires}`;
    if (typeof delta === 'number') text += `,"delta":${delta}`;
    text += '}';
    // length counts UTF-16 units: a byte count is only needed when it might exceed the limit.
    if (text.length * 3 > this.maxValueBytes) {
      const bytes = Buffer.byteLength(text);
      if (bytes > this.maxValueBytes) throw new CacheValueTooLargeError(bytes, this.maxValueBytes);
    }
    return text;
  }
}
