/**
 * How long a probe may take so that its indicator, which still has to build its report, answers within
 * `HEALTH_TIMEOUT_MS`: 90 % of it, and never more than 100 ms less.
 */
export function probeBudget(timeoutMs: number): number {
  return Math.max(Math.floor(timeoutMs * 0.9), timeoutMs - 100);
}
