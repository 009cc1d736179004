import Redis, { type RedisOptions } from 'ioredis';
import type { HostPort } from '../../config/connection.config';
import { sendParked, type SendFence } from '../../internals/ioredis';
import type { RedisHaEvents } from '../../events/redis-ha-events';
import { sameAddress, type FailoverGate } from './failover-gate';
import type { SentinelResolver } from './sentinel-resolver';

/** How often the sentinels are asked who the master is, and how old their last majority answer may be. */
const SENTINEL_EVERY_MS = 250;
const SENTINEL_BOUND_MS = 1500;

export interface WriteLeaseSettings {
  /** `REDIS_WRITE_LEASE_MS`: how long one replica acknowledgement lets writes through. 0 = no lease. */
  leaseMs: number;
  /** `REDIS_WRITE_LEASE_CHANNEL`: the channel the probe publishes on (the ACL user needs it). */
  channel: string;
}

/**
 * Fences the minority side of a partition. Writes (writer and producer connections) go to the master only while
 * both hold:
 * - a replica acknowledged, less than `leaseMs` ago, a probe the master replicated (`PUBLISH` then `WAIT 1`, on
 *   the lease's own connection, every `leaseMs / 4`): a master cut from its replicas stops getting writes within
 *   `leaseMs` instead of acknowledging writes that the promoted replica will never have;
 * - a majority of the sentinels named this node as the master less than 1.5 s ago: an app cut from the
 *   sentinels (it may be the side they are failing over away from) stops writing before the failover can end
 *   (down-after-milliseconds, 2 s at least, plus the election).
 * Otherwise writes are parked (`SendFence`) in their client's offline queue, bounded by the command timeout
 * ("not sent": they never run), and written once the lease is back. When the majority of the sentinels names
 * another master (a heal after a partition that hid the `+switch-master`), the lease moves the writers there.
 */
export class WriteLease {
  readonly fence: SendFence = { closed: true };
  private readonly clients = new Set<Redis>();
  private master: HostPort | undefined;
  private probe: Redis | undefined;
  private replicaAckUntil = 0;
  private sentinelsConfirmedAt = 0;
  private lostAt: number | undefined = Date.now();
  private timers: NodeJS.Timeout[] = [];
  private expiry: NodeJS.Timeout | undefined;
  private probing = false;
  private asking = false;
  private closed = false;
  private refused: string | undefined;

  constructor(
    private readonly settings: WriteLeaseSettings,
    private readonly gate: FailoverGate,
    private readonly resolver: SentinelResolver,
    private readonly optionsFor: (node: HostPort) => RedisOptions,
    private readonly events: RedisHaEvents,
  ) {
    if (settings.leaseMs <= 0) this.fence.closed = false;
  }

  get enabled(): boolean {
    return this.settings.leaseMs > 0 && this.refused === undefined;
  }

  /**
   * Whether writes go through now; when not, since when they are held. `minority`: no majority of the sentinels
   * named our master for 1.5 s, so this instance may be on the losing side of a partition (readiness).
   */
  state(): { held: boolean; lostSince?: number; minority: boolean; reason?: string } {
    if (!this.enabled) return { held: true, minority: false, reason: this.refused };
    const minority = Date.now() - this.sentinelsConfirmedAt > SENTINEL_BOUND_MS;
    return this.fence.closed ? { held: false, lostSince: this.lostAt, minority } : { held: true, minority };
  }

  /** Fences `client`'s sends (it must have `guardSends(client, this.fence)`). */
  add(client: Redis): void {
    this.clients.add(client);
    client.once('end', () => this.clients.delete(client));
  }

  start(): void {
    if (!this.enabled) return;
    const every = Math.max(10, Math.floor(this.settings.leaseMs / 4));
    this.timers = [
      setInterval(() => void this.renew(), every),
      setInterval(() => void this.askSentinels(), SENTINEL_EVERY_MS),
    ];
    for (const timer of this.timers) timer.unref();
    void this.askSentinels();
  }

  close(): void {
    this.closed = true;
    this.timers.forEach(clearInterval);
    clearTimeout(this.expiry);
    this.probe?.disconnect(false);
    this.open(); // nothing may wait on a lease that will never be renewed
  }

  /** One probe: PUBLISH (replicated) then WAIT 1 on the master's lease connection. */
  private async renew(): Promise<void> {
    const master = this.gate.knownMaster() ?? this.master;
    if (this.probing || this.closed || !master || this.gate.held) return;
    this.probing = true;
    const sentAt = Date.now();
    try {
      const client = this.connectionTo(master);
      const replies = await client
        .pipeline()
        .publish(this.settings.channel, '')
        .wait(1, Math.max(5, Math.floor(this.settings.leaseMs / 2)))
        .exec();
      const [publish, wait] = replies ?? [];
      if (publish?.[0]) throw publish[0];
      if (!wait?.[0] && Number(wait?.[1]) >= 1) {
        this.replicaAckUntil = sentAt + this.settings.leaseMs;
        this.evaluate();
      }
    } catch (err) {
      if (/NOPERM/.test((err as Error).message)) this.refuse((err as Error).message);
    } finally {
      this.probing = false;
    }
  }

  /** The majority's master; a different node than ours means a switch we did not hear of: follow it. */
  private async askSentinels(): Promise<void> {
    if (this.asking || this.closed) return;
    this.asking = true;
    const askedAt = Date.now();
    try {
      const named = await this.resolver.master();
      if (this.master && !sameAddress(this.master, named) && !this.gate.held) {
        this.gate.switchTo(named); // cuts the writers still on the old node; they reconnect to `named`
      }
      this.master = named;
      this.sentinelsConfirmedAt = askedAt;
      this.evaluate();
    } catch {
      // no majority answered: the confirmation ages out
    } finally {
      this.asking = false;
    }
  }

  /** Opens the fence while both confirmations are fresh; closes it at the first one to expire. */
  private evaluate(): void {
    if (this.closed) return;
    const until = Math.min(this.replicaAckUntil, this.sentinelsConfirmedAt + SENTINEL_BOUND_MS);
    const now = Date.now();
    clearTimeout(this.expiry);
    if (until <= now) return this.lose();
    this.expiry = setTimeout(() => this.evaluate(), until - now);
    this.expiry.unref();
    this.open();
  }

  private open(): void {
    if (!this.fence.closed) return;
    this.fence.closed = false;
    this.lostAt = undefined;
    for (const client of this.clients) sendParked(client);
    if (!this.closed) this.events.emit({ type: 'write-lease', held: true, at: new Date() });
  }

  private lose(): void {
    if (this.fence.closed) return;
    this.fence.closed = true;
    this.lostAt = Date.now();
    this.events.emit({ type: 'write-lease', held: false, at: new Date() });
  }

  /** The ACL user may not publish on the channel: a lease can never be had, so writes are not fenced. */
  private refuse(message: string): void {
    this.refused =
      `REDIS_WRITE_LEASE_CHANNEL: the probe was refused (${message.split('\n')[0]}); grant the Redis user ` +
      `&${this.settings.channel} or set REDIS_WRITE_LEASE_MS=0. Writes are not fenced meanwhile.`;
    this.timers.forEach(clearInterval);
    this.open();
    this.events.emit({ type: 'write-lease', held: true, at: new Date(), error: this.refused });
  }

  private connectionTo(master: HostPort): Redis {
    const current = this.probe?.options;
    if (this.probe && current?.host === master.host && current?.port === master.port) return this.probe;
    this.probe?.disconnect(false);
    this.probe = new Redis({
      ...this.optionsFor(master),
      lazyConnect: false,
      enableOfflineQueue: true,
      maxRetriesPerRequest: 0,
      commandTimeout: this.settings.leaseMs,
      retryStrategy: (times) => Math.min(times * 20, 200),
    });
    this.probe.on('error', () => undefined); // an unreachable master shows as a lease that lapses
    return this.probe;
  }
}
