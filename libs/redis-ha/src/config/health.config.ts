import type { EnvReader } from './env-reader';

// OWNED BY THE HEALTH WORK (issue 6): extend the interface and the parser; keep the function's signature.
/** Validated health and metrics settings (`HEALTH_*`, `METRICS_*`). */
export interface HealthConfig {
  /** `HEALTH_TIMEOUT_MS`: every indicator answers within this bound. @default 1000 */
  timeoutMs: number;
}

export function parseHealthConfig(reader: EnvReader, options: Partial<HealthConfig> = {}): HealthConfig {
  return { timeoutMs: options.timeoutMs ?? reader.int('HEALTH_TIMEOUT_MS', { min: 50 }) ?? 1000 };
}
