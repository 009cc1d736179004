import type { EnvReader } from './env-reader';

// OWNED BY THE CACHE WORK (issue 4): extend the interface and the parser; keep the function's signature.
/** Validated cache settings (`CACHE_*`). */
export interface CacheConfig {
  /** `CACHE_ENABLED`. @default true */
  enabled: boolean;
}

export function parseCacheConfig(reader: EnvReader, options: Partial<CacheConfig> = {}): CacheConfig {
  return { enabled: options.enabled ?? reader.bool('CACHE_ENABLED') ?? true };
}
