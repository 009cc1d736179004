import Redis, { type RedisOptions } from 'ioredis';
import type { HostPort } from '../../config/connection.config';
import type { RedisHaEvents } from '../../events/redis-ha-events';
import { sameAddress, type FailoverGate } from './failover-gate';
import type { SentinelResolver } from './sentinel-resolver';

/** What `INFO replication` of one node says, as far as the watch needs it. */
interface NodeState {
  role: string | undefined;
  offset: number;
  /** A replica's `master_link_status` (`up` / `down`); undefined for a master. */
  link?: string;
}

/** How long master offsets are remembered: a replica further behind reads as at least this old. */
const HISTORY_MS = 60_000;
/** How long a master the sentinels named is used without asking them again (when no switch is fresh). */
const MASTER_CACHE_MS = 5000;

/**
 * Keeps replica reads within `REDIS_READ_MAX_LAG_MS` of the master. Sentinel notices a replica whose link is down
 * only after `repl-timeout` (60 s by default) and its own INFO refresh: a reader cut off with a replica kept
 * reading data over a minute old in our partition runs. Every `maxLagMs / 4` (at most 250 ms) the watch reads
 * the master's replication offset and remembers when it reached each value, then asks each replica that a
 * reader is on for its own offset and link: the replica lacks what the master wrote since the last remembered
 * offset it has, so its data counts as that old. A replica whose link is down, that does not answer, or that is older than the bound is marked stale
 * in the resolver and the readers on it are cut (they reconnect to another replica, or per `REDIS_READ_FROM` to
 * the master); once it is within half the bound again it is fresh, and readers that fell back to the master are
 * cut so they return to a replica. Costs one `INFO replication` per node watched per period, on the watch's own
 * connections.
 */
export class ReplicaLagWatch {
  private readonly clients = new Map<string, Redis>();
  private readonly stale = new Map<string, HostPort>();
  /** Each master offset seen: when first and when last (writes can be seconds apart). */
  private history: Array<{ at: number; lastSeenAt: number; offset: number; master: HostPort }> = [];
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private closed = false;
  private named: { address: HostPort; at: number } | undefined;

  constructor(
    private readonly gate: FailoverGate,
    private readonly resolver: SentinelResolver,
    private readonly optionsFor: (node: HostPort) => RedisOptions,
    private readonly maxLagMs: number,
    private readonly events: RedisHaEvents,
  ) {}

  start(): void {
    if (this.maxLagMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.tick(), Math.min(250, Math.max(25, this.maxLagMs / 4)));
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.timer = undefined;
    for (const client of this.clients.values()) client.disconnect(false);
    this.clients.clear();
  }

  /** One round: the master's offset, then each watched replica, in parallel. Exposed for tests. */
  async tick(now = Date.now()): Promise<void> {
    if (this.busy || this.closed) return;
    this.busy = true;
    try {
      const readers = this.gate.readers();
      if (readers.length === 0 && this.stale.size === 0) return;
      const master = await this.master(now);
      if (!master) return; // mid-failover or no majority: nothing to measure against
      const masterState = await this.state(master);
      if (masterState?.role === 'master') this.remember(now, masterState.offset, master);
      const replicas = new Map<string, HostPort>(this.stale);
      for (const r of readers) {
        const at = r.address();
        if (at && !sameAddress(at, master)) replicas.set(key(at), at);
      }
      const states = await Promise.all(
        [...replicas].map(async ([k, replica]) => ({ k, replica, state: await this.state(replica) })),
      );
      for (const { k, replica, state } of states) {
        if (state?.role === 'master') continue; // a master we did not know of: not a replica to judge
        const lagMs = this.lagOf(state, now);
        if (!this.stale.has(k) && lagMs > this.maxLagMs) this.markStale(k, replica, lagMs);
        else if (this.stale.has(k) && lagMs <= this.maxLagMs / 2) this.markFresh(k, replica, master);
      }
      this.dropClients(new Set([key(master), ...replicas.keys()]));
    } finally {
      this.busy = false;
    }
  }

  /** The master of a fresh switch, else the sentinels' answer, asked at most every MASTER_CACHE_MS. */
  private async master(now: number): Promise<HostPort | undefined> {
    const switched = this.gate.knownMaster();
    if (switched) return switched;
    if (this.named && now - this.named.at < MASTER_CACHE_MS) return this.named.address;
    const address = await this.resolver.master().catch(() => undefined);
    this.named = address && { address, at: now };
    return address;
  }

  /** How old the replica's data is: Infinity when its link is down or it did not answer. */
  private lagOf(state: NodeState | undefined, now: number): number {
    if (!state || state.link !== 'up') return Infinity;
    const ahead = this.history.findIndex((h) => h.offset > state.offset);
    if (ahead < 0) return 0;
    // It lacks what the master wrote after it was last seen at the offset the replica has (or, when that is
    // older than the history, since the oldest sample): count from there.
    return ahead === 0 ? now - this.history[0].at : now - this.history[ahead - 1].lastSeenAt;
  }

  private remember(at: number, offset: number, master: HostPort): void {
    // A new master: its offsets continue the old one's (PSYNC2), but start the history afresh to be safe.
    if (this.history.length && !sameAddress(this.history[0].master, master)) this.history = [];
    const last = this.history.at(-1);
    if (last && offset <= last.offset) last.lastSeenAt = at;
    else this.history.push({ at, lastSeenAt: at, offset, master });
    while (this.history.length > 1 && at - this.history[0].at > HISTORY_MS) this.history.shift();
  }

  /** Closes the watch's connections to nodes it no longer watches (a replaced pod, a demoted master). */
  private dropClients(keep: Set<string>): void {
    for (const [k, client] of this.clients) {
      if (keep.has(k)) continue;
      client.disconnect(false);
      this.clients.delete(k);
    }
  }

  private markStale(k: string, replica: HostPort, lagMs: number): void {
    this.stale.set(k, replica);
    this.resolver.markStale(replica, true);
    for (const r of this.gate.readers()) {
      const at = r.address();
      if (at && sameAddress(at, replica)) r.cut();
    }
    const lag = Number.isFinite(lagMs) ? `${lagMs} ms behind the master` : 'its link to the master is down';
    this.events.emit({ type: 'replica-stale', replica, reason: lag, at: new Date() });
  }

  private markFresh(k: string, replica: HostPort, master: HostPort | undefined): void {
    this.stale.delete(k);
    this.resolver.markStale(replica, false);
    for (const r of this.gate.readers()) {
      const at = r.address();
      if (at && master && sameAddress(at, master)) r.cut(); // back from the master to a replica
    }
    this.events.emit({ type: 'replica-fresh', replica, reason: 'caught up with the master', at: new Date() });
  }

  /** `INFO replication` of `node` on the watch's own connection, or undefined (no answer within the bound). */
  private async state(node: HostPort): Promise<NodeState | undefined> {
    if (this.closed) return undefined;
    let client = this.clients.get(key(node));
    if (!client) {
      client = new Redis({
        ...this.optionsFor(node),
        lazyConnect: false,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: Math.max(100, this.maxLagMs / 2),
        retryStrategy: (times) => Math.min(times * 100, 1000),
      });
      client.on('error', () => undefined); // a node that does not answer reads as stale
      this.clients.set(key(node), client);
    }
    try {
      if (client.status !== 'ready') await readyWithin(client, Math.max(100, this.maxLagMs / 2));
      const info = String(await client.info('replication'));
      const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
      const role = field('role');
      const offset = Number(field(role === 'master' ? 'master_repl_offset' : 'slave_repl_offset'));
      return { role, offset, link: role === 'master' ? undefined : field('master_link_status') };
    } catch {
      return undefined;
    }
  }
}

const key = (a: HostPort) => `${a.host}:${a.port}`;

/** Resolves when `client` is ready, rejects after `ms` (a node being connected to, or not answering). */
function readyWithin(client: Redis, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error('not ready'));
    }, ms);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}
