import type { HostPort } from '../../config/connection.config';

/** What the gate needs of a connector: the socket to cut when the master is being replaced. */
export interface GatedConnector {
  readonly role: 'master' | 'slave';
  /** The address its socket goes to, if it has one. */
  address(): HostPort | undefined;
  cut(): void;
  isClosed(): boolean;
}

/**
 * How long the address named by the last `+switch-master` wins over what a single sentinel answers. Right after
 * a switch one sentinel may still name the old master, and after a manual switchover the old master accepts
 * writes for ~10 s (until Sentinel converts it): connecting there loses them. Past this window the sentinels agree.
 */
const TRUST_SWITCH_MS = 15_000;

/**
 * The state every master connection of one module shares during a failover.
 *
 * While a failover of our master is announced (`+try-failover` from any sentinel) the gate is *held*: master
 * connections are cut and their reconnects wait here, so commands queue in ioredis' offline queue instead of
 * reaching a master that is about to be demoted (a manual `SENTINEL FAILOVER` otherwise loses ~10 s of
 * acknowledged writes). `+switch-master` opens the gate and records the new address; an abort, or the hold bound,
 * opens it too.
 */
export class FailoverGate {
  private readonly attempts = new Set<string>();
  private readonly connectors = new Set<GatedConnector>();
  private waiters: Array<() => void> = [];
  private holdTimer: NodeJS.Timeout | undefined;
  private switched: { address: HostPort; at: number } | undefined;

  constructor(
    private readonly holdMs: number,
    private readonly onHoldTimeout: () => void = () => undefined,
  ) {}

  get held(): boolean {
    return this.attempts.size > 0;
  }

  /** A sentinel (`by`) started a failover of our master. Returns true when this starts a hold. */
  hold(by: string): boolean {
    const starts = !this.held;
    this.attempts.add(by);
    if (starts) {
      this.holdTimer = setTimeout(() => {
        this.release();
        this.onHoldTimeout();
      }, this.holdMs);
      this.holdTimer.unref();
      this.cutMasters();
    }
    return starts;
  }

  /** The sentinel `by` gave up its attempt; the gate opens when no attempt is left. */
  abort(by: string): boolean {
    if (!this.attempts.delete(by) || this.held) return false;
    this.release();
    return true;
  }

  /** `+switch-master`: remember the new master, cut connections still on the old one, let reconnects through. */
  switchTo(address: HostPort): void {
    const known = this.switched?.address;
    this.switched = { address, at: Date.now() };
    this.release();
    if (!known || !sameAddress(known, address)) this.cutMasters(address);
  }

  /** The master announced by the latest switch, while it is fresher than the sentinels' own convergence. */
  knownMaster(): HostPort | undefined {
    return this.switched && Date.now() - this.switched.at < TRUST_SWITCH_MS
      ? this.switched.address
      : undefined;
  }

  /** Resolves at once when the gate is open, else when it opens. */
  wait(): Promise<void> {
    return this.held ? new Promise((resolve) => this.waiters.push(resolve)) : Promise.resolve();
  }

  register(connector: GatedConnector): void {
    this.connectors.add(connector);
  }

  unregister(connector: GatedConnector): void {
    this.connectors.delete(connector);
  }

  /** Opens the gate (also on shutdown so no reconnect waits forever). */
  release(): void {
    this.attempts.clear();
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** The open replica connections (readers, the cache's replica reads), wherever each is connected now. */
  readers(): GatedConnector[] {
    return [...this.connectors].filter((c) => c.role === 'slave' && !c.isClosed());
  }

  /** Cuts every master connection, but those already on `keep`. */
  private cutMasters(keep?: HostPort): void {
    for (const connector of this.connectors) {
      const current = connector.address();
      if (connector.isClosed()) this.connectors.delete(connector);
      else if (connector.role === 'master' && !(keep && current && sameAddress(current, keep)))
        connector.cut();
    }
  }
}

export function sameAddress(a: HostPort, b: HostPort): boolean {
  return a.host === b.host && a.port === b.port;
}
