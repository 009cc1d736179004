/** Redis Cluster's slot count: every key maps to one of 0..16383. */
export const SLOT_COUNT = 16384;

/** CRC16-CCITT (XMODEM: polynomial 0x1021, initial 0), the checksum Redis Cluster slots keys with. */
const CRC16_TABLE = Array.from({ length: 256 }, (_, n) => {
  let crc = n << 8;
  for (let bit = 0; bit < 8; bit++) crc = (crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1) & 0xffff;
  return crc;
});

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ byte) & 0xff];
  return crc;
}

/**
 * The slot Redis gives `key` (CLUSTER KEYSLOT): CRC16 of its UTF-8 bytes mod 16384, or of its hash tag alone (what
 * lies between the first `{` and the first `}` after it, when not empty). Not ioredis' `cluster-key-slot`, which
 * differs from Redis after an empty first tag (`x{}{y}`), see tools/cluster/redis-cluster-nodes.ts.
 */
export function slotOf(key: string): number {
  const bytes = Buffer.from(key, 'utf8');
  const open = bytes.indexOf(0x7b);
  const close = open < 0 ? -1 : bytes.indexOf(0x7d, open + 1);
  const hashed = close > open + 1 ? bytes.subarray(open + 1, close) : bytes;
  return crc16(hashed) % SLOT_COUNT;
}
