import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { levelsFrom } from '../config/sample.config';

/**
 * One JSON object per line (`{"level","pid","timestamp","message","context"}`), what a log collector parses
 * without rules: Nest 11's own `ConsoleLogger` in JSON mode. Errors go to stderr, the rest to stdout.
 */
export function jsonLogger(level: LogLevel): ConsoleLogger {
  return new ConsoleLogger({ json: true, logLevels: levelsFrom(level) });
}
