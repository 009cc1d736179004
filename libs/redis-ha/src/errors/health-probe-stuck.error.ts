/**
 * An earlier health probe on the same connection is still unanswered, so a new one would only queue behind it
 * on a hung socket. Reported at once, without sending anything; raise `HEALTH_TIMEOUT_MS` if the node is merely
 * slow.
 */
export class HealthProbeStuckError extends Error {
  override readonly name = 'HealthProbeStuckError';

  constructor(
    readonly target: string,
    readonly waitingMs: number,
  ) {
    super(`${target} has not answered a probe sent ${waitingMs} ms ago (hung? see HEALTH_TIMEOUT_MS)`);
  }
}
