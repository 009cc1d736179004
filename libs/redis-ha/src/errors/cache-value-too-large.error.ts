/**
 * A serialized value is larger than `CACHE_MAX_VALUE_BYTES`. Thrown by `set()` (nothing is written); `wrap()`
 * returns the loaded value without caching it.
 */
export class CacheValueTooLargeError extends Error {
  override readonly name = 'CacheValueTooLargeError';

  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      `Cache value is ${bytes} bytes serialized, over the limit of ${limit} (raise CACHE_MAX_VALUE_BYTES or cache less)`,
    );
  }
}
