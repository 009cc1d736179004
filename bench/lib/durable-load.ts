import type Redis from 'ioredis';
import { CommandOutcomeUnknownError } from '@app/redis-ha';

type Outcome = 'acked' | 'failed' | 'unknown';

/**
 * Durable writes as an app makes them: `SET` then `WAIT 1 500`, one after the other every 5 ms. A write counts
 * as acknowledged only when WAIT says a replica has it; a WAIT that returns 0, or CommandOutcomeUnknownError,
 * leaves it unknown (it may be applied); any other error is a reported failure (it must not be applied).
 */
export class DurableLoad {
  private readonly outcomes: Outcome[] = [];
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
  ) {}

  start(): this {
    this.running = this.loop();
    return this;
  }

  async stop(): Promise<{ issued: number; acked: number; failed: number; unknown: number }> {
    this.stopped = true;
    await this.running;
    const count = (o: Outcome) => this.outcomes.filter((x) => x === o).length;
    return {
      issued: this.outcomes.length,
      acked: count('acked'),
      failed: count('failed'),
      unknown: count('unknown'),
    };
  }

  /** Acknowledged writes the final master lacks. */
  lost(reader: Redis): Promise<number> {
    return this.count(reader, 'acked', (v) => v === null);
  }

  /** Writes reported failed that the final master has. */
  failedButApplied(reader: Redis): Promise<number> {
    return this.count(reader, 'failed', (v) => v !== null);
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const seq = this.outcomes.length;
      this.outcomes.push('unknown');
      try {
        await this.client.set(`${this.prefix}${seq}`, String(seq));
        const replicas = Number(await this.client.wait(1, 500));
        this.outcomes[seq] = replicas >= 1 ? 'acked' : 'unknown';
      } catch (err) {
        this.outcomes[seq] = err instanceof CommandOutcomeUnknownError ? 'unknown' : 'failed';
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private async count(
    reader: Redis,
    outcome: Outcome,
    match: (v: string | null) => boolean,
  ): Promise<number> {
    const keys = this.outcomes.flatMap((o, seq) => (o === outcome ? [`${this.prefix}${seq}`] : []));
    let n = 0;
    for (let i = 0; i < keys.length; i += 500) {
      n += (await reader.mget(keys.slice(i, i + 500))).filter(match).length;
    }
    return n;
  }
}
