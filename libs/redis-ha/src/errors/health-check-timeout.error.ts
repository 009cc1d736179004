/**
 * A health probe got no answer within `HEALTH_TIMEOUT_MS`: the node is hung (SIGSTOP, a long fork, a network
 * partition) or overloaded. Health indicators report it as `down` with this message instead of waiting.
 */
export class HealthCheckTimeoutError extends Error {
  override readonly name = 'HealthCheckTimeoutError';

  constructor(
    readonly target: string,
    readonly timeoutMs: number,
  ) {
    super(`${target} did not answer within ${timeoutMs} ms (HEALTH_TIMEOUT_MS)`);
  }
}
