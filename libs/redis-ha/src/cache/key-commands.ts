import type Redis from 'ioredis';
import { groupBySlot } from '../topology/cluster/key-slot';
import { isCluster, type RedisClient } from '../topology/topology';

/** Keys per `UNLINK`/`DEL`: one SCAN batch, small enough not to stall the node. */
const BATCH = 1000;

/**
 * Deletes every key under `prefix` (all cache versions), `UNLINK`ing each `SCAN` batch. On a cluster, SCAN sees one
 * node's keys only: every primary is scanned (at once; a replica holds copies, not keys of its own), and each batch
 * is unlinked one slot at a time (a multi-key command over two slots fails with CROSSSLOT, even on one node),
 * through the cluster client, which follows a slot that moved since the scan.
 */
export async function unlinkByPrefix(client: RedisClient, prefix: string): Promise<void> {
  if (!isCluster(client)) return unlinkScanned(client, prefix, (keys) => client.unlink(...keys));
  const primaries = client.nodes('master');
  if (primaries.length === 0) throw new Error('no primary of the cluster is connected');
  const unlink = (keys: string[]) => Promise.all(groupBySlot(keys).map((group) => client.unlink(...group)));
  await Promise.all(primaries.map((node) => unlinkScanned(node, prefix, unlink)));
}

async function unlinkScanned(node: Redis, prefix: string, unlink: (keys: string[]) => Promise<unknown>) {
  const stream = node.scanStream({ match: `${prefix}*`, count: BATCH });
  for await (const keys of stream as AsyncIterable<string[]>) if (keys.length > 0) await unlink(keys);
}

/** `DEL` of `keys`: one command on one node; one per slot on a cluster (never CROSSSLOT). */
export async function deleteKeys(client: RedisClient, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  if (!isCluster(client)) {
    await client.del(...keys);
    return;
  }
  await Promise.all(groupBySlot(keys, BATCH).map((group) => client.del(...group)));
}
