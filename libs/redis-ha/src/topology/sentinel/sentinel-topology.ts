import Redis, { type RedisOptions } from 'ioredis';
import type { ConnectionConfig, HostPort } from '../../config/connection.config';
import type { ConnectionRole } from '../../config/connection-role';
import type { RedisHaConnectionError } from '../../errors/redis-ha-connection.error';
import type { Topology, TopologyDescription } from '../topology';
import { explainSentinels } from './explain-sentinels';
import { buildNodeOptions, buildSentinelOptions } from './sentinel-options';
import { FailoverGate, sameAddress } from './failover-gate';
import { createHaConnector } from './ha-connector';
import { RedisHaEvents } from '../../events/redis-ha-events';
import { SentinelResolver } from './sentinel-resolver';
import { MasterView } from './master-view';
import { ReplicaLagWatch } from './replica-lag-watch';
import { WriteLease } from './write-lease';
import type { HeldWrites } from './held-writes';

/** What Sentinel publishes that matters to clients (`-failover-abort-*` are matched by pattern). */
const CHANNELS = ['+try-failover', '+switch-master'];
const ABORTS = '-failover-abort-*';

/**
 * The Sentinel topology. Follows the sentinels for one module: listens to every sentinel's Pub/Sub (only the sentinel leading a
 * failover publishes its progress, so listening to one is not enough), drives the `FailoverGate` that all
 * master connections share, and publishes `RedisHaEvents`.
 */
export class SentinelTopology implements Topology {
  readonly kind = 'sentinel';
  readonly gate: FailoverGate;
  readonly resolver: SentinelResolver;
  /** `Connector` option values for master and replica connections. */
  private readonly masterConnector: ReturnType<typeof createHaConnector>;
  private readonly replicaConnector: ReturnType<typeof createHaConnector>;
  /** The master as last announced, for events and metrics. */
  private currentMaster: HostPort | undefined;
  private readonly subscribers: Redis[] = [];
  private readonly reachable = new Map<string, boolean>();
  /** The master as this module last knew it: failover messages about another node are checked first. */
  private readonly view: MasterView;
  private readonly lagWatch: ReplicaLagWatch;
  /** Holds writes while no replica acknowledges the master or no sentinel majority names it (partitions). */
  private readonly lease: WriteLease;
  readonly writeFence: HeldWrites;

  constructor(
    private readonly conn: ConnectionConfig,
    private readonly events: RedisHaEvents,
  ) {
    this.gate = new FailoverGate(conn.failoverHoldMs, () =>
      this.emitAbort(`no +switch-master within ${conn.failoverHoldMs} ms (REDIS_FAILOVER_HOLD_MS)`),
    );
    this.resolver = new SentinelResolver(
      conn.sentinels,
      conn.masterName,
      (s) => buildSentinelOptions(conn, s),
      conn.natMap,
      Math.min(conn.connectTimeoutMs, 1000),
    );
    this.view = new MasterView(this.resolver);
    const nodeOptions = (name: string) => (node: HostPort) => buildNodeOptions(conn, node, name);
    const { gate, resolver } = this;
    this.lagWatch = new ReplicaLagWatch(gate, resolver, nodeOptions('lag-watch'), conn.readMaxLagMs, events);
    const lease = { leaseMs: conn.writeLeaseMs, channel: conn.writeLeaseChannel };
    this.lease = new WriteLease(lease, gate, resolver, nodeOptions('write-lease'), events);
    this.writeFence = this.lease.writes;
    const deps = { gate: this.gate, resolver: this.resolver };
    this.masterConnector = createHaConnector({ ...deps, replicaFallsBackToMaster: true });
    this.replicaConnector = createHaConnector({
      ...deps,
      replicaFallsBackToMaster: conn.readFrom !== 'replica',
    });
  }

  /** Subscribes to every sentinel's failover messages (the provider calls it once the topology exists). */
  start(): this {
    for (const sentinel of this.conn.sentinels) this.subscribe(sentinel);
    this.lagWatch.start();
    this.lease.start();
    return this;
  }

  /** Options may override the route (the cache's replica reader passes `replicaRoute()`). */
  createClient(role: ConnectionRole, options: RedisOptions): Redis {
    return new Redis({ ...this.route(role), ...options });
  }

  /** Writers follow the master; a reader goes to a replica unless `REDIS_READ_FROM=master`. */
  route(role: ConnectionRole): RedisOptions {
    const readsReplicas = role === 'reader' && this.conn.readFrom !== 'master';
    // Read by our HaConnector, which resolves nodes through the module's shared SentinelResolver.
    return readsReplicas
      ? { role: 'slave', Connector: this.replicaConnector }
      : { role: 'master', Connector: this.masterConnector };
  }

  /** A replica the sentinels list as healthy; the master too unless `REDIS_READ_FROM=replica` (strict). */
  replicaRoute(): RedisOptions {
    return { role: 'slave', Connector: this.replicaConnector };
  }

  async explainStartupFailure(prefix: string): Promise<RedisHaConnectionError> {
    return explainSentinels(prefix, this.conn, await this.resolver.askAll());
  }

  describe(): TopologyDescription {
    const { currentMaster: master, reachable: sentinels } = this;
    return { kind: 'sentinel', master, sentinels, writeLease: this.lease.state() };
  }

  async close(): Promise<void> {
    this.gate.release();
    for (const client of this.subscribers.splice(0)) {
      client.disconnect(false);
      client.removeAllListeners();
    }
    this.lagWatch.close();
    this.lease.close();
    this.resolver.close();
  }

  /** Nest calls this when the module shuts down (the topology is a provider's value). */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  private subscribe(sentinel: HostPort): void {
    const key = `${sentinel.host}:${sentinel.port}`;
    const client = new Redis({
      ...buildSentinelOptions(this.conn, sentinel),
      lazyConnect: false,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      retryStrategy: (times) => Math.min(times * 200, 2000), // never give up on a sentinel
    });
    this.subscribers.push(client);
    client.on('error', () => undefined); // reachability is reported by the events below, once per change
    client.on('ready', () => {
      this.setReachable(sentinel, key, true);
      this.view.refresh(); // a switch may have happened while this sentinel's messages could not reach us
    });
    client.on('close', () => this.setReachable(sentinel, key, false));
    client.on('message', (channel: string, message: string) => this.onMessage(key, channel, message));
    client.on('pmessage', (_p: string, channel: string, message: string) =>
      this.onMessage(key, channel, message),
    );
    client.subscribe(...CHANNELS).catch(() => undefined);
    client.psubscribe(ABORTS).catch(() => undefined);
  }

  private onMessage(sentinel: string, channel: string, message: string): void {
    const parts = message.split(' ');
    const name = this.conn.masterName;
    if (channel === '+switch-master') {
      // "<name> <old-ip> <old-port> <new-ip> <new-port>"
      if (parts[0] !== name) return;
      const from = this.resolver.nat({ host: parts[1], port: Number(parts[2]) });
      const to = this.resolver.nat({ host: parts[3], port: Number(parts[4]) });
      if (this.view.isAbout(from) || this.view.isAbout(to)) return this.switchTo(from, to);
      // Not a switch away from the master we know: a message held in TCP while a partition lasted (an older
      // failover), or one whose predecessor we missed. Act only if the majority of sentinels names `to` now.
      return this.view.whenMajorityNames(to, () => this.switchTo(from, to), `${channel} ${message}`);
    }
    // "master <name> <ip> <port>" for +try-failover and -failover-abort-*
    if (parts[0] !== 'master' || parts[1] !== name) return;
    const master = this.resolver.nat({ host: parts[2], port: Number(parts[3]) });
    if (channel === '+try-failover') {
      const hold = () => {
        if (this.gate.hold(sentinel)) {
          this.events.emit({ type: 'failover-started', masterName: name, master, at: new Date() });
        }
      };
      // A failover of a node that is no longer our master (late after a heal) must not cut the writer.
      if (this.view.isAbout(master)) hold();
      else this.view.whenMajorityNames(master, hold, `${channel} ${message}`);
    } else if (this.gate.abort(sentinel)) {
      this.emitAbort(`${channel} from sentinel ${sentinel}`);
    }
  }

  private switchTo(from: HostPort, to: HostPort): void {
    this.view.switchedTo(to);
    this.gate.switchTo(to);
    if (this.currentMaster && sameAddress(this.currentMaster, to)) return; // every sentinel announces it
    this.currentMaster = to;
    this.events.emit({ type: 'master-changed', masterName: this.conn.masterName, from, to, at: new Date() });
  }

  private emitAbort(reason: string): void {
    const name = this.conn.masterName;
    this.events.emit({ type: 'failover-aborted', masterName: name, reason, at: new Date() });
  }

  private setReachable(sentinel: HostPort, key: string, up: boolean): void {
    const before = this.reachable.get(key);
    this.reachable.set(key, up);
    if (before === up || (before === undefined && up)) return;
    this.events.emit({ type: up ? 'sentinel-up' : 'sentinel-down', sentinel, at: new Date() });
  }
}
