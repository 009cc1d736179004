/** What one sentinel said, or why it said nothing. */
export interface SentinelAnswer {
  sentinel: { host: string; port: number };
  master?: { host: string; port: number };
  epoch?: number;
  error?: string;
}

/** No majority of sentinels named a master (each answer says why); the connector retries, startup explains it. */
export class MasterNotFoundError extends Error {
  override readonly name = 'MasterNotFoundError';
  constructor(readonly answers: SentinelAnswer[]) {
    super(answers.map((a) => `${a.sentinel.host}:${a.sentinel.port}: ${a.error ?? 'no answer'}`).join('; '));
  }
}
