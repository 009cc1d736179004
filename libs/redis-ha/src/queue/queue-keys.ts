import type { Cluster, Redis } from 'ioredis';

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

/** CRC16-CCITT (XMODEM), the checksum Redis Cluster slots keys with. */
const CRC16_TABLE = Array.from({ length: 256 }, (_, n) => {
  let crc = n << 8;
  for (let bit = 0; bit < 8; bit++) crc = (crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1) & 0xffff;
  return crc;
});

/** The slot of `key` (CLUSTER KEYSLOT): of its hash tag when it has a non-empty one, else of the whole key. */
export function slotOfKey(key: string): number {
  const bytes = Buffer.from(key, 'utf8');
  const open = bytes.indexOf(0x7b);
  const close = open < 0 ? -1 : bytes.indexOf(0x7d, open + 1);
  const hashed = close > open + 1 ? bytes.subarray(open + 1, close) : bytes;
  let crc = 0;
  for (const byte of hashed) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ byte) & 0xff];
  return crc % 16384;
}

/**
 * The node connection `cluster` sends `key`'s commands on (the primary of its slot, as the client last learned),
 * or undefined before it learned the slots. A `WAIT` must go there: it covers the writes of its own connection.
 */
export function nodeOfKey(cluster: Cluster, key: string): Redis | undefined {
  const nodeKey = cluster.slots[slotOfKey(key)]?.[0];
  if (!nodeKey) return undefined;
  return cluster.nodes('master').find((node) => `${node.options.host}:${node.options.port}` === nodeKey);
}
