import Redis, { RedisOptions } from 'ioredis';
import type { HostPort } from '../../config/connection.config';
import { MasterNotFoundError, type SentinelAnswer } from '../../errors/master-not-found.error';
import { sameAddress } from './failover-gate';

function toObject(flat: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(flat))
    for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1]);
  return out;
}

const BAD_FLAGS = /s_down|o_down|disconnected/;

/**
 * Asks the sentinels where the master and the replicas are, over one long-lived command connection per sentinel
 * (a connector must not open a connection per reconnect: every client of every pod reconnects at once during
 * a failover). When sentinels disagree, the highest `config-epoch` is the current truth.
 */
export class SentinelResolver {
  private readonly clients: Array<{ sentinel: HostPort; client: Redis }>;
  private readonly readyWaits = new Map<Redis, Promise<void>>();
  /** Replicas too far behind to read from (`ReplicaLagWatch`), by `host:port`, until they catch up. */
  private readonly stale = new Set<string>();

  constructor(
    sentinels: HostPort[],
    private readonly masterName: string,
    optionsFor: (sentinel: HostPort) => RedisOptions,
    private readonly natMap: Record<string, HostPort> = {},
    private readonly timeoutMs = 1000,
  ) {
    this.clients = sentinels.map((sentinel) => {
      const client = new Redis({
        ...optionsFor(sentinel),
        lazyConnect: true,
        // A dead sentinel fails a query at once instead of queueing it; the client reconnects in the background.
        enableOfflineQueue: false,
        commandTimeout: timeoutMs,
        maxRetriesPerRequest: 0,
        retryStrategy: (times) => Math.min(times * 100, 1000),
        connectionName: undefined,
      });
      client.on('error', () => undefined); // reported through answers, not as unhandled errors
      client.connect().catch(() => undefined);
      return { sentinel, client };
    });
  }

  /** Every sentinel's view of the master, in parallel, each bounded by the timeout. */
  async askAll(): Promise<SentinelAnswer[]> {
    return Promise.all(this.clients.map(({ sentinel, client }) => this.ask(sentinel, client)));
  }

  /**
   * The master, by the highest config epoch among the majority of sentinels that answer first. Never from a
   * minority: a sentinel cut off with an old master on the minority side of a partition still names it, while
   * the majority promotes another. With fewer than a majority answering (sentinels down or unreachable) it
   * throws, and the connector keeps asking: writes wait, bounded by the command timeout.
   */
  async master(): Promise<HostPort> {
    const answers = await this.firstMajority();
    const named = answers.filter((a) => a.master);
    const best = named.sort((a, b) => (b.epoch ?? 0) - (a.epoch ?? 0))[0];
    if (!best?.master || named.length < this.majority())
      throw new MasterNotFoundError(answers, this.majority());
    return this.nat(best.master);
  }

  /**
   * True when a majority of the sentinels names `address` (as clients reach it) as the master now, or as the
   * master they see down (a failover of it is due or under way).
   */
  async confirms(address: HostPort): Promise<boolean> {
    const same = (a?: HostPort) => !!a && sameAddress(this.nat(a), address);
    const answers = await this.askAll();
    return answers.filter((a) => same(a.master) || same(a.down)).length >= this.majority();
  }

  /** How many sentinels make a majority of those configured. */
  majority(): number {
    return Math.floor(this.clients.length / 2) + 1;
  }

  /** A healthy replica (link up, not down), chosen at random to spread readers; undefined when there is none. */
  async replica(): Promise<HostPort | undefined> {
    if (!this.clients.some(({ client }) => client.status === 'ready')) {
      // At startup the sentinel connections may still be opening: wait for the first, not for all.
      await Promise.any(this.clients.map(({ client }) => this.ready(client))).catch(() => undefined);
    }
    for (const { client } of this.clients) {
      if (client.status !== 'ready') continue;
      try {
        const replies = (await client.call('SENTINEL', 'REPLICAS', this.masterName)) as unknown[];
        const healthy = replies
          .map(toObject)
          // role-reported: a restarted old master is listed as a replica while it still says master (~10 s).
          .filter(
            (r) =>
              !BAD_FLAGS.test(r.flags ?? '') &&
              r['master-link-status'] === 'ok' &&
              (r['role-reported'] ?? 'slave') === 'slave',
          )
          .map((r) => this.nat({ host: r.ip, port: Number(r.port) }))
          .filter((a) => !this.stale.has(`${a.host}:${a.port}`)); // too far behind (ReplicaLagWatch)
        return healthy[Math.floor(Math.random() * healthy.length)];
      } catch {
        continue;
      }
    }
    return undefined;
  }

  /** Keeps `replica()` from naming this replica (the address clients use) until marked fresh again. */
  markStale(address: HostPort, stale: boolean): void {
    if (stale) this.stale.add(`${address.host}:${address.port}`);
    else this.stale.delete(`${address.host}:${address.port}`);
  }

  close(): void {
    for (const { client } of this.clients) {
      client.disconnect(false);
      client.removeAllListeners();
    }
  }

  /** One pending wait per client, however many lookups wait on it (a down sentinel would collect listeners). */
  private ready(client: Redis): Promise<void> {
    let pending = this.readyWaits.get(client);
    if (!pending) {
      pending = waitReady(client, this.timeoutMs).finally(() => this.readyWaits.delete(client));
      this.readyWaits.set(client, pending);
    }
    return pending;
  }

  private async ask(sentinel: HostPort, client: Redis): Promise<SentinelAnswer> {
    try {
      if (client.status !== 'ready') await this.ready(client);
      const info = toObject(await client.call('SENTINEL', 'MASTER', this.masterName));
      if (BAD_FLAGS.test(info.flags ?? '') && info.flags?.includes('o_down')) {
        return {
          sentinel,
          error: `sees master ${info.ip}:${info.port} down`,
          down: { host: info.ip, port: Number(info.port) },
          epoch: Number(info['config-epoch']),
        };
      }
      return {
        sentinel,
        master: { host: info.ip, port: Number(info.port) },
        epoch: Number(info['config-epoch']),
      };
    } catch (err) {
      return { sentinel, error: (err as Error).message };
    }
  }

  /** Resolves once a majority answered with a master (or every sentinel settled). */
  private firstMajority(): Promise<SentinelAnswer[]> {
    const need = this.majority();
    const answers: SentinelAnswer[] = [];
    return new Promise((resolve) => {
      for (const { sentinel, client } of this.clients) {
        void this.ask(sentinel, client).then((answer) => {
          answers.push(answer);
          const good = answers.filter((a) => a.master).length;
          if (good >= need || answers.length === this.clients.length) resolve([...answers]);
        });
      }
    });
  }

  /** The address clients use for a node the sentinels name (`REDIS_NAT_MAP`). */
  nat(address: HostPort): HostPort {
    return this.natMap[`${address.host}:${address.port}`] ?? address;
  }
}

function waitReady(client: Redis, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`not connected within ${timeoutMs} ms`)), timeoutMs);
    const onReady = () => done();
    const onError = (err: Error) => done(err);
    function done(err?: Error) {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
      if (err) reject(err);
      else resolve();
    }
    client.once('ready', onReady);
    client.once('error', onError);
  });
}
