import type { DurableWriteResult } from './durable-write';

/** Where a read was answered: Redis, the fallback (Redis unreachable), or nowhere (cache disabled). */
export type CacheSource = 'redis' | 'fallback' | 'disabled';

export interface CacheReadResult {
  /** The stored (serialized) entry, or undefined on a miss. */
  raw: string | undefined;
  source: CacheSource;
}

export interface CacheWriteResult {
  /** `redis`; `fallback` (memory) or `dropped` (`CACHE_FALLBACK=none`) while Redis is unreachable; `skipped` for `undefined` or a disabled cache. */
  stored: 'redis' | 'fallback' | 'dropped' | 'skipped';
  /** Set for durable writes that reached Redis. */
  durable?: DurableWriteResult;
}

// Shared (frozen) answers of the hot paths, so that a miss or a plain write allocates nothing.
export const MISS: Readonly<Record<CacheSource, CacheReadResult>> = Object.freeze({
  redis: Object.freeze({ raw: undefined, source: 'redis' }),
  fallback: Object.freeze({ raw: undefined, source: 'fallback' }),
  disabled: Object.freeze({ raw: undefined, source: 'disabled' }),
});
export const STORED: CacheWriteResult = Object.freeze({ stored: 'redis' });
export const SKIPPED: CacheWriteResult = Object.freeze({ stored: 'skipped' });
