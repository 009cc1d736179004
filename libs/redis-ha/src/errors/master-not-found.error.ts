/** What one sentinel said, or why it said nothing. */
export interface SentinelAnswer {
  sentinel: { host: string; port: number };
  master?: { host: string; port: number };
  /** The master this sentinel sees down (`o_down`: a failover of it is due or under way). */
  down?: { host: string; port: number };
  epoch?: number;
  error?: string;
}

/** No majority of sentinels named a master (each answer says why); the connector retries, startup explains it. */
export class MasterNotFoundError extends Error {
  override readonly name = 'MasterNotFoundError';
  constructor(
    readonly answers: SentinelAnswer[],
    readonly majority = Math.floor(answers.length / 2) + 1,
  ) {
    const named = answers.filter((a) => a.master).length;
    const each = answers.map((a) =>
      a.master
        ? `${a.sentinel.host}:${a.sentinel.port}: names ${a.master.host}:${a.master.port}`
        : `${a.sentinel.host}:${a.sentinel.port}: ${a.error ?? 'no answer'}`,
    );
    super(
      named > 0
        ? `only ${named} of ${answers.length} sentinels named a master, ${majority} needed (a minority may be cut off with an old master): ${each.join('; ')}`
        : each.join('; '),
    );
  }
}
