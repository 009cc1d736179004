import { query } from './cluster-client';
import { signal, stopProcess } from './cluster-process';
import { address, redisCli, viewOf } from './redis-cluster-admin';
import { joinAsPrimary, joinAsReplica, reshard } from './redis-cluster-reshard';
import {
  describeNode,
  layoutRedisCluster,
  type RedisClusterOptions,
  type RedisClusterState,
} from './redis-cluster-layout';
import {
  keyInSlots,
  primaryOfSlotIn,
  replicasOf,
  slotCount,
  slotOf,
  type ClusterNode,
} from './redis-cluster-nodes';
import { RedisClusterProcesses } from './redis-cluster-processes';
import { watchPromotion } from './redis-cluster-watch';

export type { RedisClusterOptions, RedisClusterState } from './redis-cluster-layout';
export type { ClusterNode } from './redis-cluster-nodes';

/**
 * A real Redis Cluster (cluster mode: sharded, no sentinels) on 127.0.0.1 from redis/redis-cluster.conf: 3 primaries
 * with a replica each by default, formed by `redis-cli --cluster create`, with the faults failover tests need.
 * The Sentinel kit is local-cluster.ts; both share the process control, the config rendering and the ACL users.
 */
export class LocalRedisCluster extends RedisClusterProcesses {
  /** Replicas of a primary just before kill()/pause(): after the fault, views may no longer say it. */
  private readonly replicasAtFault = new Map<number, number[]>();

  static async start(options: RedisClusterOptions): Promise<LocalRedisCluster> {
    const { state, procs } = layoutRedisCluster(options);
    const cluster = new LocalRedisCluster(state, procs);
    try {
      await cluster.launch(procs);
      const replicas = ['--cluster-replicas', String(state.replicasPerPrimary), '--cluster-yes'];
      await redisCli(
        ['--cluster', 'create', ...cluster.ports.map(address), ...replicas],
        cluster.adminCredentials(),
      );
      await cluster.waitUntilHealthy(options.startTimeoutMs ?? 30_000);
    } catch (err) {
      const logs = cluster.logTails();
      await cluster.stop();
      const range = `${procs[0].port}-${procs[procs.length - 1].port}`;
      throw new Error(`local Redis Cluster on ${range} did not start: ${(err as Error).message}\n${logs}`);
    }
    return cluster;
  }

  /** Takes over a cluster another process started (the CLI), from its `state()`. */
  static attach(state: RedisClusterState): LocalRedisCluster {
    return new LocalRedisCluster(
      state,
      state.nodes.map((n) => describeNode(n.port, n.dir, n.pid)),
    );
  }

  /** `CLUSTER NODES` of the first running, unpaused node that answers. */
  async nodes(): Promise<ClusterNode[]> {
    let last = 'no node is running';
    for (const port of this.livePorts()) {
      try {
        return (await viewOf(port, this.adminCredentials())).nodes;
      } catch (err) {
        last = (err as Error).message;
      }
    }
    throw new Error(`no node answers CLUSTER NODES (${last})`);
  }

  slotOf(key: string): number {
    return slotOf(key);
  }

  async primaryOfSlot(slot: number): Promise<number> {
    const node = primaryOfSlotIn(await this.nodes(), slot);
    if (!node) throw new Error(`no primary serves slot ${slot}`);
    return node.port;
  }

  /** A key `${prefix}<n>` served by `primaryPort` (keep the prefix inside the user's ACL patterns: `app:`). */
  async keyOnShard(primaryPort: number, prefix: string): Promise<string> {
    const primary = (await this.viewFrom(primaryPort)).find(
      (n) => n.port === primaryPort && n.role === 'master',
    );
    if (!primary) throw new Error(`${primaryPort} is not a primary`);
    return keyInSlots(primary, prefix);
  }

  async replicaOf(primaryPort: number): Promise<number> {
    const nodes = await this.viewFrom(primaryPort);
    const primary = nodes.find((n) => n.port === primaryPort);
    const replica = primary && replicasOf(nodes, primary)[0];
    if (!replica) throw new Error(`${primaryPort} has no replica`);
    return replica.port;
  }

  /** SIGKILL; `at` is just before the signal. Keeps the node's dir for restart(). */
  async kill(port: number): Promise<{ port: number; at: number }> {
    await this.rememberReplicas(port);
    const at = Date.now();
    await stopProcess(this.proc(port), 'SIGKILL');
    return { port, at };
  }

  /** SIGSTOP: the node holds its sockets open but answers nothing until resume() (SIGCONT). */
  async pause(port: number): Promise<{ at: number }> {
    await this.rememberReplicas(port);
    const at = Date.now();
    if (!signal(this.proc(port), 'SIGSTOP')) throw new Error(`port ${port} is not running`);
    this.paused.add(port);
    return { at };
  }

  /** CLUSTER FAILOVER on a replica (a coordinated switch, no write lost); resolves once it answers `master`. */
  async failover(replicaPort: number, timeoutMs = 15_000): Promise<{ at: number; promotedAt: number }> {
    const at = Date.now();
    await query(replicaPort, this.adminCredentials(), 'CLUSTER', 'FAILOVER');
    const { promotedAt } = await watchPromotion([replicaPort], this.adminCredentials(), timeoutMs);
    return { at, promotedAt };
  }

  /** When a replica of `oldPrimaryPort` first answered ROLE `master` (polled every ~10 ms). */
  async waitForPromotion(
    oldPrimaryPort: number,
    timeoutMs = 30_000,
  ): Promise<{ promotedPort: number; promotedAt: number }> {
    const candidates = this.replicasAtFault.get(oldPrimaryPort) ?? [await this.replicaOf(oldPrimaryPort)];
    return watchPromotion(candidates, this.adminCredentials(), timeoutMs);
  }

  /**
   * A new shard on the next free ports: its primary joins (`--cluster add-node`), its replicas follow
   * (`--cluster-slave --cluster-master-id`), then `--cluster reshard` moves `slotsToMove` slots to it from all
   * primaries, key by key with MIGRATE, while clients may keep writing (MOVED/ASK are theirs to follow).
   */
  async addShard(
    slotsToMove: number,
    timeoutMs = 120_000,
  ): Promise<{ primaryPort: number; replicaPorts: number[] }> {
    const next = Math.max(...this.ports) + 1;
    const ports = Array.from({ length: 1 + this.st.replicasPerPrimary }, (_, i) => next + i);
    const [primaryPort, ...replicaPorts] = ports;
    await this.addNodes(ports);
    const creds = this.adminCredentials();
    const seed = await this.primaryOfSlot(0);
    const { id, restore } = await joinAsPrimary(primaryPort, seed, creds);
    this.joining.delete(primaryPort);
    // add-node of a replica looks its primary up in the seed's view, and reshard refuses while views differ.
    await this.waitForClusterOk(timeoutMs);
    for (const port of replicaPorts) {
      await joinAsReplica(port, seed, id, creds);
      this.joining.delete(port);
    }
    // MIGRATE writes with RESTORE-ASKING: with min-replicas-to-write 1, refused until the replica acknowledges.
    await this.waitUntilHealthy(timeoutMs);
    await restore();
    // redis-cli takes from each primary its share of the slots rounded down (the first one's rounded up): 500 from
    // 5461/5462/5461 moves 499. Another round moves the rest.
    for (let owned = 0, round = 0; owned < slotsToMove; round++) {
      if (round === 3) throw new Error(`reshard moved ${owned} of ${slotsToMove} slots in ${round} rounds`);
      await reshard(seed, id, slotsToMove - owned, creds, timeoutMs);
      await this.waitUntilHealthy(timeoutMs);
      owned = slotCount((await viewOf(primaryPort, creds)).nodes.find((n) => n.id === id)!);
    }
    return { primaryPort, replicaPorts };
  }

  /** The node's own view (right after a promotion the others' may still name the old primary), else nodes(). */
  private async viewFrom(port: number): Promise<ClusterNode[]> {
    if (!this.livePorts().includes(port)) return this.nodes();
    return viewOf(port, this.adminCredentials()).then(
      (view) => view.nodes,
      () => this.nodes(),
    );
  }

  private async rememberReplicas(port: number): Promise<void> {
    const nodes = await this.nodes().catch((): ClusterNode[] => []);
    const node = nodes.find((n) => n.port === port && n.role === 'master');
    if (node)
      this.replicasAtFault.set(
        port,
        replicasOf(nodes, node).map((n) => n.port),
      );
  }
}
