import type { RedisOptions } from 'ioredis';
import type { HostPort } from '../../config/connection.config';
import type { RedisHaEvents } from '../../events/redis-ha-events';
import { sameAddress, type FailoverGate } from './failover-gate';
import type { SentinelResolver } from './sentinel-resolver';
import { LeaseProbe } from './lease-probe';
import { HeldWrites } from './held-writes';

/** How often the sentinels are asked who the master is, and how old their last majority answer may be. */
const SENTINEL_EVERY_MS = 250;
const SENTINEL_BOUND_MS = 1500;

/** `REDIS_WRITE_LEASE_MS` (0 = no lease) and `REDIS_WRITE_LEASE_CHANNEL` (the probe's, granted to the user). */
export interface WriteLeaseSettings {
  leaseMs: number;
  channel: string;
}

/**
 * Fences the minority side of a partition. Writes (writer and producer connections) go to the master only while
 * both hold:
 * - a replica acknowledged, less than `leaseMs` ago, a probe the master replicated (`PUBLISH` then `WAIT 1`, on
 *   the lease's own connection, every `leaseMs / 4`), and the last probe is not overdue (unanswered after
 *   `leaseMs / 8`): a master cut from its replicas stops getting writes within ~`leaseMs / 3` instead of
 *   acknowledging, until it refuses them itself, writes that the promoted replica will never have;
 * - a majority of the sentinels named this node as the master less than 1.5 s ago: an app cut from the
 *   sentinels (it may be the side they are failing over away from) stops writing before the failover can end
 *   (down-after-milliseconds, 2 s at least, plus the election).
 * Otherwise writes are parked (`SendFence`) in their client's offline queue, bounded by the command timeout
 * ("not sent": they never run), and written once the lease is back. When the majority of the sentinels names
 * another master (a heal after a partition that hid the `+switch-master`), the lease moves the writers there.
 */
export class WriteLease {
  /** The fence writer and producer clients are held behind (the topology's `writeFence`). */
  readonly writes: HeldWrites;
  private master: HostPort | undefined;
  private readonly probe: LeaseProbe;
  private readonly probeEveryMs: number;
  private replicaAckUntil = 0;
  private sentinelsConfirmedAt = 0;
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
    optionsFor: (node: HostPort) => RedisOptions,
    private readonly events: RedisHaEvents,
  ) {
    this.writes = new HeldWrites(events, settings.leaseMs);
    if (settings.leaseMs <= 0) this.writes.open(true);
    this.probe = new LeaseProbe(optionsFor, settings.channel, settings.leaseMs);
    this.probeEveryMs = Math.max(5, Math.floor(settings.leaseMs / 4));
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
    const lostSince = this.writes.lostSince;
    return this.writes.fence.closed ? { held: false, lostSince, minority } : { held: true, minority };
  }

  start(): void {
    if (!this.enabled) return;
    this.timers = [
      setInterval(() => void this.renew(), this.probeEveryMs),
      setInterval(() => void this.askSentinels(), SENTINEL_EVERY_MS),
    ];
    for (const timer of this.timers) timer.unref();
    void this.askSentinels();
  }

  close(): void {
    this.closed = true;
    this.timers.forEach(clearInterval);
    clearTimeout(this.expiry);
    this.probe.close();
    this.writes.open(true); // nothing may wait on a lease that will never be renewed
  }

  /** One probe: PUBLISH (replicated) then WAIT 1 on the master's lease connection. */
  private async renew(): Promise<void> {
    const master = this.gate.knownMaster() ?? this.master;
    if (this.probing || this.closed || !master || this.gate.held) return;
    this.probing = true;
    const sentAt = Date.now();
    // A probe unanswered after an eighth of the lease is evidence enough: stop writing now, not at expiry (a
    // false alarm costs a pause until its answer arrives; each ms of delay costs writes a cut master accepts).
    const overdue = setTimeout(
      () => {
        this.replicaAckUntil = 0;
        this.writes.hold();
      },
      Math.max(5, this.probeEveryMs / 2),
    );
    overdue.unref();
    try {
      if (await this.probe.acknowledged(master, Math.max(5, Math.floor(this.settings.leaseMs / 2)))) {
        this.replicaAckUntil = sentAt + this.settings.leaseMs;
        this.evaluate();
      } else {
        this.replicaAckUntil = 0;
        this.writes.hold();
      }
    } catch (err) {
      if (/NOPERM/.test((err as Error).message)) this.refuse((err as Error).message);
      else this.writes.hold();
    } finally {
      clearTimeout(overdue);
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
      // Right after a switch the first sentinels to answer may still name the old master: the switch wins.
      const known = this.gate.knownMaster();
      if (!known && this.master && !sameAddress(this.master, named) && !this.gate.held) {
        this.gate.switchTo(named); // cuts the writers still on the old node; they reconnect to `named`
      }
      this.master = known ?? named;
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
    if (until <= now) return this.writes.hold();
    this.expiry = setTimeout(() => this.evaluate(), until - now);
    this.expiry.unref();
    this.writes.open();
  }

  /** The ACL user may not publish on the channel: a lease can never be had, so writes are not fenced. */
  private refuse(message: string): void {
    this.refused =
      `REDIS_WRITE_LEASE_CHANNEL: the probe was refused (${message.split('\n')[0]}); grant the Redis user ` +
      `&${this.settings.channel} or set REDIS_WRITE_LEASE_MS=0. Writes are not fenced meanwhile.`;
    this.timers.forEach(clearInterval);
    this.writes.open();
    this.events.emit({ type: 'write-lease', held: true, at: new Date(), error: this.refused });
  }
}
