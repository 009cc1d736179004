/**
 * What a command that got no answer within `REDIS_COMMAND_TIMEOUT_MS` did, as far as the library can know.
 * - `CommandTimeoutError`: it was never written to a server (it waited in the offline queue through a failover
 *   or an outage) and it never will be: it **did not run**. Safe to retry.
 * - `CommandOutcomeUnknownError`: it was written and no reply came (a hung or cut-off server, a connection lost
 *   after the write). It **may or may not have run**, on a node that may since have been replaced; it is not
 *   sent again. Retry only what is idempotent, or check first.
 *
 * Both messages start with "Command timed out", ioredis' own wording, so code that matched it keeps working;
 * `instanceof` or `outcome` tells them apart.
 */
export class CommandTimeoutError extends Error {
  override readonly name: string = 'CommandTimeoutError';
  readonly outcome: 'not-sent' | 'unknown' = 'not-sent';

  constructor(
    readonly command: string,
    readonly timeoutMs: number,
    message = `Command timed out: ${command} was not sent within ${timeoutMs} ms (REDIS_COMMAND_TIMEOUT_MS) and did not run`,
  ) {
    super(message);
  }
}

export class CommandOutcomeUnknownError extends CommandTimeoutError {
  override readonly name = 'CommandOutcomeUnknownError';
  override readonly outcome = 'unknown' as const;

  constructor(command: string, timeoutMs: number) {
    super(
      command,
      timeoutMs,
      `Command timed out, outcome unknown: ${command} was sent and got no reply within ${timeoutMs} ms (REDIS_COMMAND_TIMEOUT_MS); it may have run`,
    );
  }
}
