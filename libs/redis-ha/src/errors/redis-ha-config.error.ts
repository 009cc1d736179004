/**
 * Thrown once at startup when the configuration is invalid. The message has one `NAME: problem` line per bad
 * setting (environment variable or `forRoot()` option) and never contains a secret's value.
 */
export class RedisHaConfigError extends Error {
  override readonly name = 'RedisHaConfigError';

  constructor(readonly problems: readonly string[]) {
    super(`Invalid Redis HA configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}
