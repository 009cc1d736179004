import { infoField, query } from './cluster-client';
import type { LocalRedisCluster } from './redis-cluster';
import { formatSlots, primaries, slotCount, type ClusterNode } from './redis-cluster-nodes';
import {
  REDIS_CLUSTER_ENV_PATH,
  attachRunningRedisCluster,
  downRedisCluster,
  saveRedisClusterState,
  upRedisCluster,
} from './redis-cluster-state-file';

/**
 * `scripts/cluster.ts <command> --cluster`: the same operations as for the Sentinel kit, on the local Redis
 * Cluster (cluster mode) instead. Kept here so that scripts/cluster.ts stays one dispatcher.
 *
 *   up --cluster [--node-timeout-ms=2000]     start 3 primaries + 3 replicas in the background (6400-6405)
 *   status --cluster                          per shard: slots, primary, replicas, each node's cluster_state
 *   kill-master --cluster [port] [--restart]  SIGKILL a primary (default: slot 0's), time its replica's promotion
 *   failover --cluster [replica port]         CLUSTER FAILOVER on a replica (default: slot 0's primary's)
 *   start-node --cluster <port>               restart a killed node (it rejoins as a replica)
 *   add-shard --cluster [slots]               a 4th primary with its replica, then move `slots` (500) to it, live
 *   down --cluster                            stop exactly the processes `up --cluster` started, remove their data
 */
function running(): LocalRedisCluster {
  const cluster = attachRunningRedisCluster();
  if (!cluster) throw new Error('no local Redis Cluster is running: `npm run cluster:up -- --cluster`');
  return cluster;
}

async function clusterState(cluster: LocalRedisCluster, port: number): Promise<string> {
  if (!cluster.isRunning(port)) return 'down';
  const info = await query<string>(port, cluster.adminCredentials(), 'CLUSTER', 'INFO').catch(() => '');
  return `cluster_state ${infoField(info, 'cluster_state') ?? 'no answer'}`;
}

export async function printRedisClusterStatus(cluster: LocalRedisCluster): Promise<void> {
  const nodes = await cluster.nodes();
  const line = async (what: string, node: ClusterNode) => {
    const flags = node.flags.filter((f) => !['myself', 'master', 'slave'].includes(f));
    const head = `  ${what.padEnd(9)}127.0.0.1:${node.port}  pid ${String(cluster.pid(node.port) ?? '-').padEnd(7)}`;
    console.log(`${head} ${await clusterState(cluster, node.port)}${flags.length ? `  (${flags})` : ''}`);
  };
  const shards = primaries(nodes).sort((a, b) => a.slots[0][0] - b.slots[0][0]);
  for (const primary of shards) {
    console.log(`shard ${formatSlots(primary.slots)} (${slotCount(primary)} slots)`);
    await line('primary', primary);
    for (const replica of nodes.filter((n) => n.masterId === primary.id)) await line('replica', replica);
  }
  const listed = new Set(nodes.filter((n) => shards.includes(n) || n.masterId).map((n) => n.port));
  for (const port of cluster.ports.filter((p) => !listed.has(p))) {
    const node = nodes.find((n) => n.port === port);
    if (node) await line('no slots', node);
    else console.log(`  unknown 127.0.0.1:${port}  ${await clusterState(cluster, port)}`);
  }
}

function printEnv(cluster: LocalRedisCluster): void {
  console.log(`\nEnvironment for the library (also in ${REDIS_CLUSTER_ENV_PATH}):`);
  for (const [key, value] of Object.entries(cluster.env())) console.log(`  ${key}=${value}`);
  console.log('\nStatus: npm run cluster:status -- --cluster   Stop: npm run cluster:down -- --cluster');
}

async function up(flags: Map<string, string | undefined>): Promise<void> {
  const timeout = flags.get('node-timeout-ms');
  const started = Date.now();
  const { cluster, started: fresh } = await upRedisCluster({
    nodeTimeoutMs: timeout ? Number(timeout) : undefined,
  });
  const range = `${cluster.ports[0]}-${cluster.ports[cluster.ports.length - 1]}`;
  console.log(
    fresh
      ? `Local Redis Cluster up on 127.0.0.1:${range} in ${Date.now() - started} ms (data in ${cluster.dir})`
      : `Local Redis Cluster already running on 127.0.0.1:${range}`,
  );
  await printRedisClusterStatus(cluster);
  printEnv(cluster);
}

async function killMaster(portArg: string | undefined, restart: boolean): Promise<void> {
  const cluster = running();
  const port = portArg ? Number(portArg) : await cluster.primaryOfSlot(0);
  const replica = await cluster.replicaOf(port);
  const { at } = await cluster.kill(port);
  console.log(`SIGKILL primary ${port} at ${new Date(at).toISOString()} (its replica: ${replica})`);
  const { promotedPort, promotedAt } = await cluster.waitForPromotion(port, 60_000);
  console.log(`${promotedPort} answered ROLE master ${promotedAt - at} ms after the kill`);
  await cluster.waitForClusterOk(60_000);
  console.log(`every live node agrees on the new slot map ${Date.now() - at} ms after the kill`);
  if (!restart) {
    const admin = cluster.adminCredentials();
    const [, min] = await query<string[]>(promotedPort, admin, 'CONFIG', 'GET', 'min-replicas-to-write');
    const writes =
      min === '0' ? 'takes writes without a replica' : `refuses writes (min-replicas-to-write ${min})`;
    console.log(`${promotedPort} ${writes} until the old primary is back as its replica:`);
    console.log(
      `  npx tsx scripts/cluster.ts start-node --cluster ${port}   (or kill-master --cluster --restart)`,
    );
    return;
  }
  await startNode(cluster, port);
}

async function failover(portArg: string | undefined): Promise<void> {
  const cluster = running();
  const port = portArg ? Number(portArg) : await cluster.replicaOf(await cluster.primaryOfSlot(0));
  const nodes = await cluster.nodes();
  const primaryId = nodes.find((n) => n.port === port)?.masterId;
  const primary = nodes.find((n) => n.id === primaryId);
  const { at, promotedAt } = await cluster.failover(port, 60_000);
  console.log(`CLUSTER FAILOVER on ${port}: it answered ROLE master ${promotedAt - at} ms later`);
  if (primary) {
    await cluster.waitForRole(primary.port, 'slave', 60_000);
    console.log(`the old primary ${primary.port} is its replica ${Date.now() - at} ms after the command`);
  }
}

async function startNode(cluster: LocalRedisCluster, port: number): Promise<void> {
  if (!Number.isInteger(port))
    throw new Error('usage: npx tsx scripts/cluster.ts start-node --cluster <port>');
  const started = Date.now();
  await cluster.restart(port);
  saveRedisClusterState(cluster);
  await cluster.waitForRole(port, 'slave', 60_000);
  console.log(
    `${port} restarted (pid ${cluster.pid(port)}); a connected replica after ${Date.now() - started} ms`,
  );
}

async function addShard(slotsArg: string | undefined): Promise<void> {
  const cluster = running();
  const slots = slotsArg ? Number(slotsArg) : 500;
  if (!Number.isInteger(slots) || slots < 1 || slots > 16_383)
    throw new Error('usage: npx tsx scripts/cluster.ts add-shard --cluster [slots, 1-16383, default 500]');
  const started = Date.now();
  const { primaryPort, replicaPorts } = await cluster.addShard(slots);
  saveRedisClusterState(cluster);
  console.log(
    `primary ${primaryPort} (replica ${replicaPorts.join(', ')}) added; ${slots} slots moved to it ` +
      `in ${Date.now() - started} ms while clients may write (they follow MOVED and ASK)`,
  );
  await printRedisClusterStatus(cluster);
  printEnv(cluster);
}

export const REDIS_CLUSTER_COMMANDS = [
  'up',
  'status',
  'kill-master',
  'failover',
  'start-node',
  'add-shard',
  'down',
] as const;

/** The `--cluster` variant of a command of scripts/cluster.ts, or undefined when there is none. */
export function redisClusterCommand(
  command: string,
  args: string[],
  flags: Map<string, string | undefined>,
): (() => Promise<void>) | undefined {
  const commands: Record<(typeof REDIS_CLUSTER_COMMANDS)[number], () => Promise<void>> = {
    up: () => up(flags),
    status: async () => printRedisClusterStatus(running()),
    'kill-master': () => killMaster(args[0], flags.has('restart')),
    failover: () => failover(args[0]),
    'start-node': async () => startNode(running(), Number(args[0])),
    'add-shard': () => addShard(args[0]),
    down: async () =>
      console.log(
        (await downRedisCluster()) ? 'local Redis Cluster stopped' : 'no local Redis Cluster was running',
      ),
  };
  return (commands as Record<string, () => Promise<void>>)[command];
}
