import Redis, { type RedisOptions } from 'ioredis';
import type { HostPort } from '../../config/connection.config';

/**
 * The write lease's own connection to the master and its probe: `PUBLISH` on the lease channel (replicated, but
 * no key and no AOF write) then `WAIT 1`, pipelined. Follows the master it is given; reconnects quickly.
 */
export class LeaseProbe {
  private client: Redis | undefined;

  constructor(
    private readonly optionsFor: (node: HostPort) => RedisOptions,
    private readonly channel: string,
    private readonly timeoutMs: number,
  ) {}

  /** True when a replica acknowledged the probe within `waitMs`; throws what the master answered otherwise. */
  async acknowledged(master: HostPort, waitMs: number): Promise<boolean> {
    const replies = await this.connectionTo(master)
      .pipeline()
      .publish(this.channel, '')
      .wait(1, waitMs)
      .exec();
    const [publish, wait] = replies ?? [];
    if (publish?.[0]) throw publish[0];
    if (wait?.[0]) throw wait[0];
    return Number(wait?.[1]) >= 1;
  }

  close(): void {
    this.client?.disconnect(false);
    this.client = undefined;
  }

  private connectionTo(master: HostPort): Redis {
    const current = this.client?.options;
    if (this.client && current?.host === master.host && current?.port === master.port) return this.client;
    this.client?.disconnect(false);
    this.client = new Redis({
      ...this.optionsFor(master),
      lazyConnect: false,
      enableOfflineQueue: true,
      maxRetriesPerRequest: 0,
      commandTimeout: this.timeoutMs,
      retryStrategy: (times) => Math.min(times * 20, 200),
    });
    this.client.on('error', () => undefined); // an unreachable master shows as a lease that lapses
    return this.client;
  }
}
