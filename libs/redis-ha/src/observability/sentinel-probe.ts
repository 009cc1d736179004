import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { HealthConfig } from '../config/health.config';
import { REDIS_HA_HEALTH_CONFIG } from './observability.constants';
import Redis from 'ioredis';
import type { HostPort } from '../config/connection.config';
import type { RedisHaConfig } from '../config/redis-ha-options.interface';
import { RedisHaConnectionFactory, closeClient } from '../connection/redis-ha-connection.factory';
import { HealthCheckTimeoutError } from '../errors/health-check-timeout.error';
import { REDIS_HA_CONFIG } from '../redis-ha.constants';
import { boundedProbe, elapsedMs, reason } from './bounded-probe';
import { probeBudget } from './probe-budget';
import { hostPort, parseSentinelReplies, type SentinelSnapshot, type SentinelView } from './sentinel-view';

/** How often a probe connection to a sentinel that went away retries: often enough to see it back quickly. */
const RECONNECT_MS = 1000;

interface ProbeClient {
  client: Redis;
  lastError?: string;
}

/**
 * Asks every configured sentinel, in parallel and each within the health budget, what it thinks of our master
 * (`SENTINEL MASTER`, `CKQUORUM`, `REPLICAS`). Uses its own connections, one per sentinel, opened on first use
 * and kept: the sentinel health indicator, the replication indicator and the metrics share the answers (one
 * probe in flight at a time). Closed on application shutdown.
 */
@Injectable()
export class SentinelProbe implements OnApplicationShutdown {
  private readonly clients = new Map<string, ProbeClient>();
  private inFlight: Promise<SentinelSnapshot> | undefined;
  private last: SentinelSnapshot | undefined;
  private closed = false;

  constructor(
    @Inject(REDIS_HA_CONFIG) private readonly config: RedisHaConfig,
    @Inject(REDIS_HA_HEALTH_CONFIG) private readonly settings: HealthConfig,
    private readonly factory: RedisHaConnectionFactory,
  ) {}

  /** Whether the library runs against Sentinel (otherwise there is nothing to probe). */
  get enabled(): boolean {
    return this.config.connection.mode === 'sentinel' && this.config.connection.sentinels.length > 0;
  }

  /** The last snapshot, whatever its age. */
  latest(): SentinelSnapshot | undefined {
    return this.last;
  }

  /** A snapshot no older than `maxAgeMs`; joins the probe in flight, if any. Settles within `HEALTH_TIMEOUT_MS`. */
  snapshot(maxAgeMs = 0): Promise<SentinelSnapshot> {
    if (this.last && Date.now() - this.last.at <= maxAgeMs) return Promise.resolve(this.last);
    this.inFlight ??= this.probeAll().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((c) => closeClient(c.client, 500)));
  }

  private async probeAll(): Promise<SentinelSnapshot> {
    const budget = probeBudget(this.settings.timeoutMs);
    const sentinels = this.enabled ? this.config.connection.sentinels : [];
    const views = await Promise.all(sentinels.map((s) => this.probeOne(s, budget)));
    this.last = { masterName: this.config.connection.masterName, at: Date.now(), views };
    return this.last;
  }

  private async probeOne(address: HostPort, budgetMs: number): Promise<SentinelView> {
    const key = hostPort(address);
    const name = this.config.connection.masterName;
    const natMap = this.config.connection.natMap;
    const start = performance.now();
    const probe = this.client(address, key);
    try {
      // Messages name no address: the view carries it (`127.0.0.1:26379: sentinel unreachable: ...`).
      await whenReady(probe, 'sentinel', budgetMs);
      const { client } = probe;
      const left = Math.max(1, budgetMs - (performance.now() - start));
      const view = await boundedProbe(client, 'sentinel', left, async () => {
        const [master, ckquorum, replicas] = await Promise.all([
          client.call('SENTINEL', 'MASTER', name),
          client.call('SENTINEL', 'CKQUORUM', name).then(
            (message) => ({ ok: true, message: String(message) }),
            (err: unknown) => ({ ok: false, message: reason(err) }),
          ),
          client.call('SENTINEL', 'REPLICAS', name),
        ]);
        return parseSentinelReplies(key, master, ckquorum, replicas, natMap);
      });
      return { ...view, rttMs: elapsedMs(start) };
    } catch (err) {
      return { sentinel: key, reachable: false, error: reason(err) };
    }
  }

  private client(address: HostPort, key: string): ProbeClient {
    const known = this.clients.get(key);
    if (known && known.client.status !== 'end') return known;
    const probe: ProbeClient = {
      client: new Redis(
        this.factory.sentinelOptions(address, {
          lazyConnect: true,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          connectTimeout: this.settings.timeoutMs,
          connectionName: `${this.config.connection.clientName}:health`,
          retryStrategy: () => (this.closed ? null : RECONNECT_MS),
        }),
      ),
    };
    probe.client.on('error', (err: Error) => (probe.lastError = err.message));
    probe.client.on('ready', () => (probe.lastError = undefined));
    this.clients.set(key, probe);
    return probe;
  }
}

/**
 * Resolves when the probe connection is ready, within `budgetMs`. A connection that is waiting to retry
 * (`reconnecting`) means the sentinel refused or dropped us a moment ago: reported at once, not waited for.
 */
function whenReady(probe: ProbeClient, target: string, budgetMs: number): Promise<void> {
  const { client } = probe;
  if (client.status === 'ready') return Promise.resolve();
  if (client.status === 'reconnecting') {
    return Promise.reject(new Error(`${target} unreachable: ${probe.lastError ?? 'connection lost'}`));
  }
  if (client.status === 'wait') client.connect().catch(() => undefined);
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onReady = () => done();
    const onClose = () => done(new Error(`${target} unreachable: ${probe.lastError ?? 'connection closed'}`));
    const timer = setTimeout(() => done(new HealthCheckTimeoutError(target, budgetMs)), budgetMs);
    client.once('ready', onReady);
    client.once('close', onClose);
  });
}
