import { Inject, Injectable } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import type { HealthConfig } from '../config/health.config';
import type { RedisHaConfig } from '../config/redis-ha-options.interface';
import { HealthCheckTimeoutError } from '../errors/health-check-timeout.error';
import { REDIS_HA_CONFIG, getRedisToken } from '../redis-ha.constants';
import { SLOT_COUNT } from '../topology/cluster/key-slot';
import { shardsOf } from '../topology/cluster/cluster-shards';
import type { RedisClient } from '../topology/topology';
import type { HostPort } from '../config/connection.config';
import { boundedProbe, elapsedMs, reason } from './bounded-probe';
import { parseClusterInfo, parseClusterNodes, type ClusterSnapshot, type PrimaryView } from './cluster-view';
import { REDIS_HA_HEALTH_CONFIG } from './observability.constants';
import { probeBudget } from './probe-budget';

/**
 * Asks each shard's primary, in parallel and each within the health budget, `CLUSTER INFO` and `CLUSTER NODES`,
 * on the app's own connection to it (the writer `Cluster`'s node client): what is probed is what the app's
 * commands would go through, and no connection is added. The shards are the writer's slot table, so a shard the
 * app routes to a dead or hung primary shows as such. One probe in flight at a time; the indicator and the
 * metrics share its answers.
 */
@Injectable()
export class ClusterProbe {
  private inFlight: Promise<ClusterSnapshot> | undefined;
  private last: ClusterSnapshot | undefined;

  constructor(
    @Inject(REDIS_HA_CONFIG) private readonly config: RedisHaConfig,
    @Inject(REDIS_HA_HEALTH_CONFIG) private readonly settings: HealthConfig,
    @Inject(getRedisToken()) private readonly writer: RedisClient,
  ) {}

  /** Whether the library runs against Redis Cluster (`REDIS_MODE=cluster`). */
  get enabled(): boolean {
    return this.config.connection.mode === 'cluster';
  }

  /** A snapshot no older than `maxAgeMs`; joins the probe in flight, if any. Settles within `HEALTH_TIMEOUT_MS`. */
  snapshot(maxAgeMs = 0): Promise<ClusterSnapshot> {
    if (this.last && Date.now() - this.last.at <= maxAgeMs) return Promise.resolve(this.last);
    this.inFlight ??= this.probeAll().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async probeAll(): Promise<ClusterSnapshot> {
    const cluster = this.writer as Cluster;
    // REDIS_LAZY_CONNECT: the writer learns its slot table on its first command; a health check is one.
    if (cluster.status === 'wait') cluster.connect().catch(() => undefined);
    const budget = probeBudget(this.settings.timeoutMs);
    const table = cluster.slots ?? [];
    const shards = await Promise.all(
      shardsOf(table).map(async (shard) => ({
        primary: key(shard.primary),
        replicas: shard.replicas.map(key),
        slots: shard.slots,
        view: await this.probePrimary(cluster, shard.primary, budget),
      })),
    );
    this.last = { at: Date.now(), client: cluster.status, shards, unassigned: unassigned(table) };
    return this.last;
  }

  private async probePrimary(cluster: Cluster, primary: HostPort, budgetMs: number): Promise<PrimaryView> {
    const address = key(primary);
    const node = cluster
      .nodes('all')
      .find((n) => n.options.host === primary.host && n.options.port === primary.port);
    if (!node) return { address, reachable: false, error: 'no connection to it in the client (dropped)' };
    const start = performance.now();
    try {
      await whenReady(node, budgetMs);
      const left = Math.max(1, Math.floor(budgetMs - (performance.now() - start)));
      // Messages name no address: the shard carries it.
      const [info, nodes] = await boundedProbe(node, 'the primary', left, () =>
        Promise.all([node.call('CLUSTER', 'INFO'), node.call('CLUSTER', 'NODES')]),
      );
      return {
        address,
        reachable: true,
        rttMs: elapsedMs(start),
        info: parseClusterInfo(String(info)),
        nodes: parseClusterNodes(String(nodes)),
      };
    } catch (err) {
      return { address, reachable: false, error: reason(err) };
    }
  }
}

function key({ host, port }: HostPort): string {
  return `${host}:${port}`;
}

/** Slot ranges without a primary in ioredis' table. */
function unassigned(table: ReadonlyArray<readonly string[] | undefined>): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    if (table[slot]?.length) continue;
    const last = ranges[ranges.length - 1];
    if (last && last[1] === slot - 1) last[1] = slot;
    else ranges.push([slot, slot]);
  }
  return ranges;
}

/**
 * Resolves once the node client is ready, within `budgetMs`. ioredis opens a node's connection on its first
 * command (`lazyConnect`): a primary the app has not used yet is connected here. One that is waiting to
 * reconnect (the node went away) is reported at once, not waited for.
 */
function whenReady(node: Redis, budgetMs: number): Promise<void> {
  if (node.status === 'ready') return Promise.resolve();
  if (node.status === 'wait') node.connect().catch(() => undefined);
  else if (node.status !== 'connecting' && node.status !== 'connect') {
    return Promise.reject(new Error(`the connection to it is ${node.status}`));
  }
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      node.off('ready', onReady);
      node.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onReady = () => done();
    const onClose = () => done(new Error('the connection to it closed'));
    const timer = setTimeout(() => done(new HealthCheckTimeoutError('the primary', budgetMs)), budgetMs);
    node.once('ready', onReady);
    node.once('close', onClose);
  });
}
