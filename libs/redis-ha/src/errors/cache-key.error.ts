/**
 * A cache key or namespace name the cache refuses: a key longer than `CACHE_MAX_KEY_BYTES`, or a namespace name
 * outside `A-Z a-z 0-9 _ -`. Thrown by the call that used it; nothing is read or written.
 */
export class CacheKeyError extends Error {
  override readonly name = 'CacheKeyError';

  constructor(problem: string) {
    super(`Invalid cache key: ${problem}`);
  }
}
