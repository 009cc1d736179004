import { type CacheReadResult, MISS } from './cache-results';
import type { CacheSerializer } from './cache-serializer';

/**
 * What a read of the store answers, chosen by its caller so that the store's one async step turns the Redis
 * reply straight into it (no second promise per call): `RESULT` a `CacheReadResult` (`RedisHaCache`), `RAW` the
 * stored text (the Keyv adapter), `VALUE` / `ENTRY` the decoded value / envelope as Keyv's `get()` answers it
 * (`CACHE_MANAGER`'s hot path).
 */
export const READ_RESULT = 0;
export const READ_RAW = 1;
export const READ_VALUE = 2;
export const READ_ENTRY = 3;
export type ReadAs = typeof READ_RESULT | typeof READ_RAW | typeof READ_VALUE | typeof READ_ENTRY;

/**
 * The answer to a read that found `raw` (undefined: nothing) at `source`. Decoding is Keyv's: an entry past its
 * `expires` is a miss; text that is not the cache's JSON throws (the read rejects, as Keyv's own `get()` does).
 */
export function readAnswer(
  raw: string | undefined,
  source: 'redis' | 'fallback',
  as: ReadAs,
  serializer: CacheSerializer,
): unknown {
  if (as === READ_RAW) return raw;
  if (as === READ_RESULT) return raw === undefined ? MISS[source] : ({ raw, source } as CacheReadResult);
  if (raw === undefined) return undefined;
  const entry = serializer.deserialize(raw);
  if (typeof entry.expires === 'number' && Date.now() > entry.expires) return undefined;
  return as === READ_ENTRY ? entry : entry.value;
}
