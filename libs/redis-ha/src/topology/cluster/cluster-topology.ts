import { Cluster, type RedisOptions } from 'ioredis';
import type { ConnectionConfig } from '../../config/connection.config';
import type { ConnectionRole } from '../../config/connection-role';
import { RedisHaConnectionError } from '../../errors/redis-ha-connection.error';
import type { RedisHaEvents } from '../../events/redis-ha-events';
import type { Topology, TopologyDescription } from '../topology';
import { SLOTS_REFRESH_TIMEOUT_READY_MS, buildClusterOptions } from './cluster-options';
import { hostPort, primaryMoves, shardsOf } from './cluster-shards';
import { SlotWatch, type SlotRange } from './slot-watch';
import { closeDroppedNodes, refreshUntilCurrent } from './client-refresh';

/**
 * How often the slot watch asks every node for the slot table. It leaves a hung primary (no error, no MOVED: its
 * commands just wait) once its replica is promoted: measured, a default client wrote to a SIGSTOPped primary for
 * 10 s, and that primary acknowledged 642 writes on waking before it turned replica. Every 100 ms: up to 100 ms
 * until the watch sees the promotion, then each client's own refresh (up to 200 ms more when it asks the frozen
 * node first: SLOTS_REFRESH_TIMEOUT_MS in cluster-options.ts): within ~0.35 s of the promotion (at 200 ms, 354 and
 * 414 ms were measured against the 0.5 s). The cost: one `CLUSTER SLOTS` per node per 100 ms per app, on
 * connections the watch keeps open.
 */
const SLOT_WATCH_MS = 100;
/** A node that has not answered in this long is left out of the round (the majority decides without it). */
const SLOT_WATCH_TIMEOUT_MS = 500;

const AUTH = /WRONGPASS|NOAUTH|invalid username-password|AUTH failed/i;
/** A node the seeds announced (in `CLUSTER SLOTS`) by a name DNS does not know: behind NAT, or a pod's name. */
const UNRESOLVED = /(?:ENOTFOUND|EAI_AGAIN) (\S+)/;

/**
 * Redis Cluster (`REDIS_MODE=cluster`, `REDIS_CLUSTER_NODES`): each connection is an ioredis `Cluster` that
 * learns the shards from the seed nodes and follows them (see cluster-options.ts for how it rides a shard's
 * failover). This topology watches what those clients learn and publishes each primary change of a shard as
 * `master-changed` (with the slots that moved), once, whichever client saw it first.
 */
export class ClusterTopology implements Topology {
  readonly kind = 'cluster';
  private readonly clusters: Cluster[] = [];
  /** Per slot, the node keys serving it (primary first), as the slot watch last learned them. */
  private table: Array<string[] | undefined> = [];
  private watch?: SlotWatch;
  private closed = false;
  private readonly nodeErrors: Error[] = [];

  constructor(
    private readonly config: ConnectionConfig,
    private readonly events: RedisHaEvents,
  ) {}

  /** No one node serves a connection: every client is a `Cluster` (`createClient`). */
  route(): undefined {
    return undefined;
  }

  createClient(role: ConnectionRole, options: RedisOptions): Cluster {
    const cluster = new Cluster(this.config.clusterNodes, buildClusterOptions(this.config, role, options));
    closeDroppedNodes(cluster, this.silent);
    cluster.on('node error', (err: Error) => {
      this.nodeErrors.push(err);
      if (this.nodeErrors.length > 10) this.nodeErrors.shift();
    });
    // The watch starts with the first client that connects (none before: REDIS_LAZY_CONNECT), with its options.
    cluster.once('ready', () => {
      cluster.options.slotsRefreshTimeout = SLOTS_REFRESH_TIMEOUT_READY_MS;
      this.startWatch(options);
    });
    this.clusters.push(cluster);
    return cluster;
  }

  /** Whether the slot watch has not heard from the node `key` lately (hung, dead, or not a node it knows). */
  private readonly silent = (key: string): boolean => this.watch?.silent(key) ?? false;

  private startWatch(options: RedisOptions): void {
    if (this.watch || this.closed) return;
    const { username, password, tls, connectTimeout } = options;
    this.watch = new SlotWatch({
      seeds: this.config.clusterNodes,
      node: {
        username,
        password,
        tls,
        connectTimeout,
        connectionName: `${this.config.clientName}:cluster-watch`,
      },
      natMap: this.config.natMap,
      intervalMs: SLOT_WATCH_MS,
      timeoutMs: SLOT_WATCH_TIMEOUT_MS,
      onTable: (ranges) => this.learn(ranges),
    });
    this.watch.start();
  }

  /**
   * Each new table the slot watch agrees on: the first is learned; after that, each primary move is announced
   * and every client refreshes its own table at once (their periodic refresh is only a backstop).
   */
  private learn(ranges: SlotRange[]): void {
    const table: Array<string[] | undefined> = [];
    for (const { first, last, nodes } of ranges)
      for (let slot = first; slot <= last; slot++) table[slot] = nodes;
    const [before, after] = [this.table.map((n) => n?.[0]), table.map((n) => n?.[0])];
    const moves = this.table.length ? primaryMoves(before, after) : [];
    const first = this.table.length === 0;
    this.table = table;
    if (first) return;
    for (const cluster of this.clusters)
      if (cluster.status === 'ready') refreshUntilCurrent(cluster, ranges, this.silent);
    for (const move of moves) {
      this.events.emit({
        type: 'master-changed',
        masterName: 'cluster',
        from: hostPort(move.from),
        to: hostPort(move.to),
        slots: move.slots,
        at: new Date(),
      });
    }
  }

  async explainStartupFailure(prefix: string): Promise<RedisHaConnectionError | undefined> {
    const seeds = this.config.clusterNodes.map(({ host, port }) => `${host}:${port}`).join(', ');
    if (this.nodeErrors.some((err) => AUTH.test(err.message))) {
      const who = this.config.username ? `ACL user "${this.config.username}"` : 'the default user';
      return new RedisHaConnectionError(
        `${prefix} the cluster nodes refused the credentials of ${who}`,
        'REDIS_USERNAME / REDIS_PASSWORD',
      );
    }
    const unresolved = this.nodeErrors.map((err) => UNRESOLVED.exec(err.message)?.[1]).find(Boolean);
    if (unresolved) {
      return new RedisHaConnectionError(
        `${prefix} the cluster names its nodes by addresses this app cannot resolve (${unresolved}); map each ` +
          `announced host:port to one the app reaches`,
        'REDIS_NAT_MAP',
      );
    }
    const last = this.nodeErrors.at(-1)?.message ?? 'no answer';
    return new RedisHaConnectionError(
      `${prefix} no seed node of the cluster (${seeds}) answered CLUSTER SLOTS (${last})`,
      'REDIS_CLUSTER_NODES',
    );
  }

  /** The cluster's replicas come with its slot table: `REDIS_READ_FROM` picks them per key (`scaleReads`). */
  replicaRoute(): undefined {
    return undefined;
  }

  describe(): TopologyDescription {
    return { kind: 'cluster', shards: shardsOf(this.table) };
  }

  /** Stops the slot watch (its connections and timer); the clients are the connection factory's to close. */
  async close(): Promise<void> {
    this.closed = true;
    this.watch?.close();
    this.watch = undefined;
    this.clusters.length = 0;
  }

  /** Nest calls this when the module shuts down (the topology is a provider's value). */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
