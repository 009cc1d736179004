import type { SentinelAnswer } from '../connection/sentinel-resolver';

/** No majority of sentinels named a master (each answer says why); the connector retries, startup explains it. */
export class MasterNotFoundError extends Error {
  override readonly name = 'MasterNotFoundError';
  constructor(readonly answers: SentinelAnswer[]) {
    super(answers.map((a) => `${a.sentinel.host}:${a.sentinel.port}: ${a.error ?? 'no answer'}`).join('; '));
  }
}
