import type { LogLevel } from '@nestjs/common';

/**
 * The sample app's own settings. Everything about Redis (`REDIS_*`, `CACHE_*`, `QUEUE_*`, `HEALTH_*`,
 * `METRICS_*`) is read by the library itself from the same environment.
 */
export interface SampleConfig {
  /** `PORT`: the HTTP port. @default 3000 */
  port: number;
  /** `HOLIDAYS_SOURCE_DELAY_MS`: how slow the simulated holidays source answers. @default 200 */
  holidaysDelayMs: number;
  /** `REPORT_WORK_MS`: how long the worker spends on one report. @default 5 */
  reportWorkMs: number;
  /**
   * `REPORTS_RETRY_WINDOW_MS`: how long `POST /reports` and `GET /reports/:id` keep retrying while Redis cannot
   * answer (a failover takes ~2-7 s) before answering 503; 0 answers 503 at once. @default 10000
   */
  reportsRetryWindowMs: number;
  /** `LOG_LEVEL`: the lowest level logged (`error`, `warn`, `log`, `debug`, `verbose`). @default 'log' */
  logLevel: LogLevel;
}

/** Injection token of the `SampleConfig`. */
export const SAMPLE_CONFIG = 'SAMPLE:CONFIG';

const LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Levels at and above `level`, as Nest's `logLevels` option wants them. */
export function levelsFrom(level: LogLevel): LogLevel[] {
  return LEVELS.slice(0, LEVELS.indexOf(level) + 1);
}

/** Reads the settings; a bad value fails startup with one error naming every bad variable. */
export function loadSampleConfig(env: NodeJS.ProcessEnv): SampleConfig {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name}: must be a whole number between ${min} and ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const level = (env.LOG_LEVEL?.trim() || 'log') as LogLevel;
  if (!LEVELS.includes(level))
    problems.push(`LOG_LEVEL: must be one of ${LEVELS.join(', ')}, got "${level}"`);
  const config: SampleConfig = {
    port: int('PORT', 3000, 0, 65_535),
    holidaysDelayMs: int('HOLIDAYS_SOURCE_DELAY_MS', 200, 0, 60_000),
    reportWorkMs: int('REPORT_WORK_MS', 5, 0, 60_000),
    reportsRetryWindowMs: int('REPORTS_RETRY_WINDOW_MS', 10_000, 0, 120_000),
    logLevel: LEVELS.includes(level) ? level : 'log',
  };
  if (problems.length > 0) throw new Error(`Invalid sample app configuration:\n  ${problems.join('\n  ')}`);
  return config;
}
