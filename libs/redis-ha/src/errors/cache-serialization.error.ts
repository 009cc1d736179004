/**
 * A value given to the cache cannot be stored so that it reads back equal: a function, a symbol, a circular
 * structure. Thrown by `set()` (nothing is written); `wrap()` returns the loaded value without caching it.
 */
export class CacheSerializationError extends Error {
  override readonly name = 'CacheSerializationError';

  constructor(reason: string) {
    super(
      `Cache value cannot be serialized: ${reason}. Cache plain data (objects, arrays, strings, numbers, Dates, Buffers, Maps, Sets, BigInts)`,
    );
  }
}
