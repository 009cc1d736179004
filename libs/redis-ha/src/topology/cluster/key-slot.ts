/** Redis Cluster's slot count: every key lives in one of slots 0-16383. */
export const SLOT_COUNT = 16_384;

/** CRC16-CCITT (XMODEM: polynomial 0x1021, initial 0), the checksum Redis Cluster slots keys with. */
const CRC16_TABLE = Array.from({ length: 256 }, (_, n) => {
  let crc = n << 8;
  for (let bit = 0; bit < 8; bit++) crc = (crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1) & 0xffff;
  return crc;
});

/**
 * The slot Redis gives `key` (CLUSTER KEYSLOT): CRC16 of its UTF-8 bytes mod 16384, or of its hash tag alone (what
 * lies between the first `{` and the first `}` after it, when that is not empty). What decides CROSSSLOT is Redis'
 * rule, so multi-key commands are grouped by this, not by ioredis' `cluster-key-slot` (which, after an empty first
 * tag, keeps looking for a later one: `x{}{y}` is 15133 there and 14166 in Redis).
 */
export function keySlot(key: string): number {
  const bytes = Buffer.from(key, 'utf8');
  const open = bytes.indexOf(0x7b);
  const close = open < 0 ? -1 : bytes.indexOf(0x7d, open + 1);
  const hashed = close > open + 1 ? bytes.subarray(open + 1, close) : bytes;
  let crc = 0;
  for (const byte of hashed) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ byte) & 0xff];
  return crc % SLOT_COUNT;
}

/**
 * `keys` split into groups whose keys share one slot, each at most `max` long, in the order of their first key:
 * one multi-key command per group (`DEL`, `UNLINK`, `MGET`) never meets CROSSSLOT.
 */
export function groupBySlot(keys: readonly string[], max = 1000): string[][] {
  const bySlot = new Map<number, string[][]>();
  const groups: string[][] = [];
  for (const key of keys) {
    const slot = keySlot(key);
    const open = bySlot.get(slot);
    const last = open?.[open.length - 1];
    if (last && last.length < max) {
      last.push(key);
      continue;
    }
    const group = [key];
    groups.push(group);
    if (open) open.push(group);
    else bySlot.set(slot, [group]);
  }
  return groups;
}
