import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import type { HostPort } from '../config/connection.config';
import type { RedisHaConfig } from '../config/redis-ha-options.interface';
import { REDIS_HA_CONFIG } from '../redis-ha.constants';
import { buildSentinelOptions } from './connection-options';
import { FailoverGate, sameAddress } from './failover-gate';
import { createHaConnector } from './ha-connector';
import { RedisHaEvents } from './redis-ha-events';
import { SentinelResolver } from './sentinel-resolver';

/** What Sentinel publishes that matters to clients (`-failover-abort-*` are matched by pattern). */
const CHANNELS = ['+try-failover', '+switch-master'];
const ABORTS = '-failover-abort-*';

/**
 * Follows the sentinels for one module: listens to every sentinel's Pub/Sub (only the sentinel leading a
 * failover publishes its progress, so listening to one is not enough), drives the `FailoverGate` that all
 * master connections share, and publishes `RedisHaEvents`. In standalone mode it does nothing.
 */
@Injectable()
export class SentinelMonitor implements OnApplicationShutdown {
  readonly gate: FailoverGate;
  readonly resolver: SentinelResolver | undefined;
  /** `Connector` option values for master and replica connections (undefined in standalone mode). */
  readonly masterConnector: ReturnType<typeof createHaConnector> | undefined;
  readonly replicaConnector: ReturnType<typeof createHaConnector> | undefined;
  /** The master as last announced, for events and metrics. */
  currentMaster: HostPort | undefined;
  private readonly subscribers: Redis[] = [];
  private readonly reachable = new Map<string, boolean>();

  constructor(
    @Inject(REDIS_HA_CONFIG) private readonly config: RedisHaConfig,
    private readonly events: RedisHaEvents,
  ) {
    const conn = config.connection;
    this.gate = new FailoverGate(conn.failoverHoldMs, () =>
      this.emitAbort(`no +switch-master within ${conn.failoverHoldMs} ms (REDIS_FAILOVER_HOLD_MS)`),
    );
    if (conn.mode !== 'sentinel') return;
    this.resolver = new SentinelResolver(
      conn.sentinels,
      conn.masterName,
      (s) => buildSentinelOptions(conn, s),
      conn.natMap,
      Math.min(conn.connectTimeoutMs, 1000),
    );
    const deps = { gate: this.gate, resolver: this.resolver };
    this.masterConnector = createHaConnector({ ...deps, replicaFallsBackToMaster: true });
    this.replicaConnector = createHaConnector({
      ...deps,
      replicaFallsBackToMaster: conn.readFrom !== 'replica',
    });
    for (const sentinel of conn.sentinels) this.subscribe(sentinel);
  }

  /** Sentinels by `host:port` and whether the monitor's subscription to them is up. */
  sentinelReachability(): ReadonlyMap<string, boolean> {
    return this.reachable;
  }

  async onApplicationShutdown(): Promise<void> {
    this.gate.release();
    for (const client of this.subscribers.splice(0)) {
      client.disconnect(false);
      client.removeAllListeners();
    }
    this.resolver?.close();
  }

  private subscribe(sentinel: HostPort): void {
    const key = `${sentinel.host}:${sentinel.port}`;
    const client = new Redis({
      ...buildSentinelOptions(this.config.connection, sentinel),
      lazyConnect: false,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      retryStrategy: (times) => Math.min(times * 200, 2000), // never give up on a sentinel
    });
    this.subscribers.push(client);
    client.on('error', () => undefined); // reachability is reported by the events below, once per change
    client.on('ready', () => this.setReachable(sentinel, key, true));
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
    const name = this.config.connection.masterName;
    if (channel === '+switch-master') {
      // "<name> <old-ip> <old-port> <new-ip> <new-port>"
      if (parts[0] !== name || !this.resolver) return;
      const from = this.resolver.nat({ host: parts[1], port: Number(parts[2]) });
      const to = this.resolver.nat({ host: parts[3], port: Number(parts[4]) });
      this.gate.switchTo(to);
      if (this.currentMaster && sameAddress(this.currentMaster, to)) return; // every sentinel announces it
      this.currentMaster = to;
      this.events.emit({ type: 'master-changed', masterName: name, from, to, at: new Date() });
      return;
    }
    // "master <name> <ip> <port>" for +try-failover and -failover-abort-*
    if (parts[0] !== 'master' || parts[1] !== name || !this.resolver) return;
    const master = this.resolver.nat({ host: parts[2], port: Number(parts[3]) });
    if (channel === '+try-failover') {
      if (this.gate.hold(sentinel)) {
        this.events.emit({ type: 'failover-started', masterName: name, master, at: new Date() });
      }
    } else if (this.gate.abort(sentinel)) {
      this.emitAbort(`${channel} from sentinel ${sentinel}`);
    }
  }

  private emitAbort(reason: string): void {
    const name = this.config.connection.masterName;
    this.events.emit({ type: 'failover-aborted', masterName: name, reason, at: new Date() });
  }

  private setReachable(sentinel: HostPort, key: string, up: boolean): void {
    const before = this.reachable.get(key);
    this.reachable.set(key, up);
    if (before === up || (before === undefined && up)) return;
    this.events.emit({ type: up ? 'sentinel-up' : 'sentinel-down', sentinel, at: new Date() });
  }
}
