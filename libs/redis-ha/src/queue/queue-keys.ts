import type { Cluster, Redis } from 'ioredis';
import { keySlot } from '../topology/cluster/key-slot';

/**
 * The BullMQ `prefix` of one queue. Sentinel and standalone: `QUEUE_PREFIX` as it is (`{bull}`: keys
 * `{bull}:<queue>:wait`, unchanged since 0.1). Redis Cluster: the prefix without its braces, then the queue's own
 * hash tag (`bull:{<hashTag>}`, keys `bull:{reports}:reports:wait`), so each queue's keys share one slot (BullMQ's
 * scripts touch many at once) while different queues spread over the shards. Queues of one flow (a parent and
 * its children) need one slot: give them one `hashTag`.
 */
export function queueKeyPrefix(prefix: string, cluster: boolean, hashTag: string): string {
  return cluster ? `${untagged(prefix)}:{${hashTag}}` : prefix;
}

/** `QUEUE_PREFIX` without the braces of its hash tag (`{bull}` -> `bull`): keys that spread by their whole name. */
export function untagged(prefix: string): string {
  return prefix.replace(/[{}]/g, '');
}

/**
 * The node connection `cluster` sends `key`'s commands on (the primary of its slot, as the client last learned),
 * or undefined before it learned the slots. A `WAIT` must go there: it covers the writes of its own connection.
 */
export function nodeOfKey(cluster: Cluster, key: string): Redis | undefined {
  const nodeKey = cluster.slots[keySlot(key)]?.[0];
  if (!nodeKey) return undefined;
  return cluster.nodes('master').find((node) => `${node.options.host}:${node.options.port}` === nodeKey);
}
