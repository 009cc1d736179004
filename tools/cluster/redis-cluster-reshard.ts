import { query, type Credentials } from './cluster-client';
import { address, redisCli } from './redis-cluster-admin';

/**
 * The `redis-cli --cluster` steps of adding a shard to a running cluster (LocalRedisCluster.addShard() orders
 * them and waits for the cluster to settle in between).
 */

/**
 * `--cluster add-node` of an empty node as a primary without slots; resolves its id, and `restore()`, to call once
 * its replica is online. add-node copies the cluster's functions to the new node with FUNCTION RESTORE, a write
 * that min-replicas-to-write 1 refuses (NOREPLICAS) on a primary without a replica, which a new one always is; so
 * it is lowered to 0 on that node for the join, at runtime only (its config file keeps the committed value).
 */
export async function joinAsPrimary(
  port: number,
  seed: number,
  admin: Credentials,
): Promise<{ id: string; restore: () => Promise<void> }> {
  const [, minReplicas] = await query<string[]>(port, admin, 'CONFIG', 'GET', 'min-replicas-to-write');
  await query(port, admin, 'CONFIG', 'SET', 'min-replicas-to-write', '0');
  await redisCli(['--cluster', 'add-node', address(port), address(seed)], admin);
  const id = await query<string>(port, admin, 'CLUSTER', 'MYID');
  const restore = async () => {
    await query(port, admin, 'CONFIG', 'SET', 'min-replicas-to-write', minReplicas);
  };
  return { id, restore };
}

/** `--cluster add-node --cluster-slave`: the seed's view must already know `primaryId` (not in handshake). */
export async function joinAsReplica(
  port: number,
  seed: number,
  primaryId: string,
  admin: Credentials,
): Promise<void> {
  const replicaOf = ['--cluster-slave', '--cluster-master-id', primaryId];
  await redisCli(['--cluster', 'add-node', address(port), address(seed), ...replicaOf], admin);
}

/**
 * `--cluster reshard`: moves `slots` slots from all other primaries to `toId`, slot by slot (SETSLOT IMPORTING /
 * MIGRATING, MIGRATE of its keys in batches, SETSLOT NODE). Clients meanwhile get ASK for keys already moved and
 * MOVED once a slot is done; redis-cli refuses to start while the nodes' views differ.
 */
export async function reshard(
  seed: number,
  toId: string,
  slots: number,
  admin: Credentials,
  timeoutMs: number,
): Promise<void> {
  const move = ['--cluster-from', 'all', '--cluster-to', toId, '--cluster-slots', String(slots)];
  await redisCli(['--cluster', 'reshard', address(seed), ...move, '--cluster-yes'], admin, timeoutMs);
}
