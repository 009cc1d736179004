import type { ClusterOptions, Redis, RedisOptions } from 'ioredis';
import type { ConnectionConfig, ReadFrom } from '../../config/connection.config';
import type { ConnectionRole } from '../../config/connection-role';

/**
 * Delay between two tries of a command whose shard is failing over (connection closed, CLUSTERDOWN, TRYAGAIN).
 * ioredis' 100 ms default is half the 250 ms a healthy shard's writes may stall; 50 ms resumes a shard within
 * ~50 ms of its promotion being known.
 */
export const RETRY_MS = 50;

/**
 * How often each client refreshes its slot table by itself (ioredis: only on MOVED and errors by default). A
 * backstop only: the topology's slot watch (slot-watch.ts) follows the table for all clients over long-lived
 * connections and has each client refresh at once when it changes. Each refresh of a client opens a new
 * connection (ioredis duplicates a node's): at 200 ms, a dozen clients opened 60 connections a second.
 */
const SLOTS_REFRESH_MS = 5000;

/**
 * Bound of one `CLUSTER SLOTS` question of a client's refresh while it connects. The client asks the nodes in
 * random order and moves to the next on a timeout; when every node times out ioredis reports
 * `ClusterAllFailedError`, which at startup fails the connect: so not too low for a loaded machine, where a
 * healthy node can take 100+ ms. Once connected it is `SLOTS_REFRESH_TIMEOUT_READY_MS`.
 */
const SLOTS_REFRESH_TIMEOUT_MS = 500;

/**
 * The same bound once the client is connected: a refresh the slot watch asks for after a promotion picks the hung
 * old primary first one time in six and waits this long (at 200 ms, resumes 288 ms after the promotion were
 * measured where 70-90 ms is the rule). A refresh where every node timed out is simply asked again by the watch.
 */
export const SLOTS_REFRESH_TIMEOUT_READY_MS = 100;

/** Options of one node connection that ioredis refuses in `redisOptions` or that the cluster sets itself. */
const CLUSTER_OWNED = [
  'host',
  'port',
  'sentinels',
  'name',
  'retryStrategy',
  'enableOfflineQueue',
  'readOnly',
  'keyPrefix',
  'commandTimeout',
  'reconnectOnError',
  'db',
  'connector',
  'enableAutoPipelining',
] as const;

/**
 * Where reads of `role` go, as ioredis' `scaleReads`: writers and queues read the primary; the reader follows
 * `REDIS_READ_FROM` (`replica`: a replica of the key's shard, the primary when the shard has none;
 * `replica-preferred`: a connected replica, else the primary).
 */
export function scaleReads(role: ConnectionRole, readFrom: ReadFrom): ClusterOptions['scaleReads'] {
  if (role !== 'reader' || readFrom === 'master') return 'master';
  if (readFrom === 'replica') return 'slave';
  return (nodes: Redis[]) => {
    const ready = nodes.slice(1).filter((node) => node.status === 'ready');
    return ready.length > 0 ? ready : nodes[0];
  };
}

/**
 * ioredis `Cluster` options for a connection of `role`; `node` is what each node connection gets (credentials,
 * TLS, client name, connect timeout). Each choice says why; the command timeout is enforced over the whole
 * cluster by `enforceClusterDeadline`, not per node (a per-node timeout fails a write that a hung primary holds,
 * where moving it to the promoted replica lets it succeed).
 */
export function buildClusterOptions(
  config: ConnectionConfig,
  role: ConnectionRole,
  node: RedisOptions,
): ClusterOptions {
  const redisOptions = { ...node } as Record<string, unknown>;
  for (const key of CLUSTER_OWNED) delete redisOptions[key];
  const bounded = role === 'writer' || role === 'reader' || role === 'producer';
  return {
    redisOptions: redisOptions as ClusterOptions['redisOptions'],
    keyPrefix: node.keyPrefix,
    // Decided by the cluster client (it batches per node), not by the node connections: set by the cache's roles.
    enableAutoPipelining: node.enableAutoPipelining ?? false,
    scaleReads: scaleReads(role, config.readFrom),
    // Commands wait for the cluster instead of failing: while a shard fails over, each try of its commands
    // meets a closed connection, MOVED to the dead primary or CLUSTERDOWN, and each counts as a redirection.
    // ioredis gives up after 16 (~1.6 s, shorter than any promotion): here the command timeout is the bound.
    maxRedirections: bounded ? Math.ceil(config.commandTimeoutMs / RETRY_MS) + 16 : 10_000,
    retryDelayOnFailover: RETRY_MS,
    retryDelayOnClusterDown: RETRY_MS,
    retryDelayOnTryAgain: RETRY_MS,
    slotsRefreshInterval: SLOTS_REFRESH_MS,
    slotsRefreshTimeout: SLOTS_REFRESH_TIMEOUT_MS,
    enableOfflineQueue: true,
    enableReadyCheck: true,
    lazyConnect: true,
    // The node connections' reconnect delay (fast and forever), for reconnecting to the cluster as a whole.
    clusterRetryStrategy: node.retryStrategy,
    natMap: config.natMap,
    // With TLS the certificate names the host: connect by the name the cluster announces, unresolved.
    dnsLookup: config.tls ? (address, callback) => callback(null, address) : undefined,
  };
}
