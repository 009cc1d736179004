/** The sentinels could not name a node for this connection (none answered, master down, unknown name). */
export class SentinelLookupError extends Error {
  override readonly name = 'SentinelLookupError';
  constructor(role: 'master' | 'slave', detail: string) {
    super(`Sentinels could not name a ${role === 'master' ? 'master' : 'replica'}: ${detail}`);
  }
}
