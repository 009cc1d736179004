import type { Cluster, RedisOptions } from 'ioredis';
import type { CacheConfig } from '../config/cache.config';
import type { ConnectionConfig } from '../config/connection.config';
import type { Topology } from '../topology/topology';
import { RETRY_MS, scaleReads } from '../topology/cluster/cluster-options';
import type { RedisHaConnectionFactory } from '../connection/redis-ha-connection.factory';
import type { FallbackController } from './fallback-controller';
import { TrackedClient } from './tracked-client';

/**
 * The cache's ioredis clients, made by `RedisHaConnectionFactory` (which owns and closes them):
 * - `cache` (writer role): every write, and the reads unless `CACHE_READ_FROM` sends them to replicas;
 *   auto-pipelined (one write per batch instead of one per command: the cache's throughput), each command
 *   bounded by half of `CACHE_TIMEOUT_MS` (see `AUTO_PIPELINED_SHARE`).
 * - `cache-reader` (reader role, replicas), only when `CACHE_READ_FROM` is not `master` in sentinel mode.
 * - `cache-durable` (writer role), created on the first durable write: `WAIT` holds its connection until the
 *   replicas answer, so it must not sit in front of other commands; bounded by the timeout plus the wait.
 * None carries `REDIS_KEY_PREFIX`: the cache's keys have their own prefix (`CACHE_KEY_PREFIX`).
 *
 * In cluster mode each is a `Cluster` over every shard (`factory.create()`), with the same options: a command
 * goes to the node that owns its key's slot, auto-pipelines are batched per node. `cache-reader` exists when
 * `CACHE_READ_FROM` is not `master` and reads, per key, from a replica of the key's own shard as ioredis'
 * `scaleReads` does for `REDIS_READ_FROM` (`replica`: that shard's replica, its primary when it has none;
 * `replica-preferred`: a connected replica, else the primary): `CACHE_READ_FROM` decides it, not
 * `REDIS_READ_FROM`. A process still reads its own recent writes from the primaries (`CACHE_READ_YOUR_WRITES_MS`).
 */
export class CacheConnections {
  readonly writer: TrackedClient;
  readonly reader?: TrackedClient;
  /** `REDIS_MODE=cluster`: every client is a `Cluster`. */
  readonly cluster: boolean;
  private durableClient?: TrackedClient;

  constructor(
    private readonly factory: RedisHaConnectionFactory,
    private readonly connection: ConnectionConfig,
    private readonly config: CacheConfig,
    topology: Topology,
  ) {
    const { timeoutMs, readFrom } = config;
    const commandTimeout = Math.max(5, Math.floor(timeoutMs * AUTO_PIPELINED_SHARE));
    this.cluster = topology.kind === 'cluster';
    const writer = overrides(commandTimeout, true);
    if (this.cluster) {
      const cache = factory.create('writer', 'cache', writer) as Cluster;
      this.writer = new TrackedClient(withinCacheBound(cache, commandTimeout));
      if (readFrom === 'master') return;
      const reader = withinCacheBound(
        factory.create('reader', 'cache-reader', writer) as Cluster,
        commandTimeout,
      );
      // Read per command by ioredis (`Cluster.options` is public): the cache's setting, not REDIS_READ_FROM's.
      reader.options.scaleReads = scaleReads('reader', readFrom);
      this.reader = new TrackedClient(reader);
      return;
    }
    this.writer = new TrackedClient(factory.createNode('writer', 'cache', writer));
    const replica = readFrom !== 'master' ? topology.replicaRoute() : undefined;
    if (replica) {
      const options = { ...overrides(commandTimeout, true), ...replica };
      this.reader = new TrackedClient(factory.createNode('reader', 'cache-reader', options));
    }
  }

  /**
   * A closed socket (killed master, failover) switches at once instead of after timeouts; ready probes.
   *
   * A `Cluster` emits `close` only once its pool of node connections is empty, and a node connection it never used
   * (a replica the writer does not read, idle in `wait`) stays in the pool whatever happens to its node: measured,
   * with every node SIGKILLed the writer stayed `ready` with one such connection and never closed. So a cluster
   * switches when a node connection drops (`-node`) and none of the others is `ready`: every node is gone. A shard
   * that dies drops its own node only and fails its own keys' calls, which do not switch the cache while the other
   * shards answer (`FallbackController`, shardLocal).
   */
  switchOnClose(fallback: FallbackController, closing: () => boolean): void {
    const trip = (reason: string) => closing() || fallback.trip(reason);
    this.writer.listen('close', () => trip('the connection to Redis closed'));
    this.writer.listen('ready', () => fallback.probeSoon());
    if (!this.cluster) return;
    const cluster = this.writer.client as Cluster;
    this.writer.listen('-node', () => {
      // Only a cluster that was serving: while it starts, no node connection is ready yet and a seed may be down.
      if (cluster.status === 'ready' && !cluster.nodes('all').some((node) => node.status === 'ready'))
        trip('every node connection of the cluster closed');
    });
  }

  get durable(): TrackedClient {
    const { timeoutMs, waitTimeoutMs } = this.config;
    const options = overrides(timeoutMs + waitTimeoutMs, false);
    this.durableClient ??= new TrackedClient(
      this.cluster
        ? this.factory.create('writer', 'cache-durable', options)
        : this.factory.createNode('writer', 'cache-durable', options),
    );
    return this.durableClient;
  }

  /**
   * Connects the writer (and starts the reader) at startup, within the connect timeout; rejects with the
   * reason when Redis is not reachable. With `REDIS_LAZY_CONNECT` it does not wait.
   */
  async connect(): Promise<void> {
    this.reader?.client.connect().catch(() => undefined);
    const client = this.writer.client;
    const connecting = client.status === 'wait' ? client.connect() : Promise.resolve();
    const { lazyConnect, connectTimeoutMs } = this.connection;
    if (lazyConnect) return void connecting.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`not ready within ${connectTimeoutMs} ms`)),
        connectTimeoutMs,
      );
    });
    try {
      await Promise.race([connecting, bound]);
    } finally {
      clearTimeout(timer);
    }
  }

  dispose(): void {
    for (const conn of [this.writer, this.reader, this.durableClient]) conn?.dispose();
  }
}

/**
 * ioredis runs one auto-pipeline of a client at a time: while a batch hangs (a frozen master), the next batch
 * waits unsent, in no command queue, so no command deadline covers that wait. Each command gets half of
 * `CACHE_TIMEOUT_MS`: a call waits at most for the batch ahead of it and then for its own, within the bound,
 * at no cost per call (a per-call timer or race cost ~7 % of the cache's throughput). Concurrent calls that
 * queue behind each other fail together, so the breaker opens after the first batch.
 */
const AUTO_PIPELINED_SHARE = 0.5;

/**
 * A cluster client's tries of one command end within the cache's bound. The deadline sweeps of the connection
 * factory bound a command only while they see it queued; a command whose shard just died spends its time between
 * tries (each `RETRY_MS` in a timer, then a connection refused at once) and is seen late, while the cluster's own
 * limit of tries is sized for REDIS_COMMAND_TIMEOUT_MS. One try per `RETRY_MS` of the bound ends it in time (an
 * auto-pipelined batch waits for the one ahead of it: each gets half the call's bound). Measured through a primary's
 * SIGKILL (cache-cluster e2e, CACHE_TIMEOUT_MS=500): slowest call 653 ms without this limit, 910 ms with 2 tries
 * more than this, 345 – 440 ms with it. Read per command by ioredis from the public `Cluster.options`.
 */
function withinCacheBound(cluster: Cluster, commandTimeout: number): Cluster {
  cluster.options.maxRedirections = Math.max(2, Math.floor(commandTimeout / RETRY_MS));
  return cluster;
}

function overrides(commandTimeout: number, enableAutoPipelining: boolean): RedisOptions {
  return { keyPrefix: '', commandTimeout, enableAutoPipelining };
}
