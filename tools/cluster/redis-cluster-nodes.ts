/**
 * Pure helpers over a Redis Cluster's topology: `CLUSTER NODES` parsing, slots and keys. No I/O here, so the
 * launcher, the CLI and tests read the topology the same way.
 */
export const SLOT_COUNT = 16384;

/** One line of `CLUSTER NODES`, as one node sees it (another node may not agree yet: see `slotMapOf`). */
export interface ClusterNode {
  id: string;
  port: number;
  role: 'master' | 'slave';
  /** The primary's id for a replica; undefined for a primary. */
  masterId?: string;
  /** Inclusive [start, end] ranges this primary serves (migrating/importing markers are left out). */
  slots: [number, number][];
  /** `myself`, `master`, `slave`, `fail?` (PFAIL), `fail`, `handshake`, `noaddr`, `nofailover`... */
  flags: string[];
  configEpoch: number;
  linkState: 'connected' | 'disconnected';
}

/**
 * `<id> <ip:port@cport[,hostname]> <flags> <master|-> <ping-sent> <pong-recv> <config-epoch> <link> <slot>...`;
 * a slot is `n`, `a-b`, or `[n->-id]` / `[n-<-id]` while it migrates (left out: the owner is still the owner).
 */
export function parseClusterNodes(text: string): ClusterNode[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [id, addr, flagText, master, , , epoch, link, ...slotTexts] = line.split(' ');
      const flags = flagText.split(',');
      const slots = slotTexts
        .filter((s) => !s.startsWith('['))
        .map((s): [number, number] => {
          const [start, end = start] = s.split('-').map(Number);
          return [start, end];
        });
      return {
        id,
        port: Number(/:(\d+)@/.exec(addr)?.[1] ?? NaN),
        role: flags.includes('master') ? 'master' : 'slave',
        masterId: master === '-' ? undefined : master,
        slots,
        flags,
        configEpoch: Number(epoch),
        linkState: link === 'connected' ? 'connected' : 'disconnected',
      };
    });
}

export function slotCount(node: Pick<ClusterNode, 'slots'>): number {
  return node.slots.reduce((sum, [start, end]) => sum + end - start + 1, 0);
}

export function ownsSlot(node: Pick<ClusterNode, 'slots'>, slot: number): boolean {
  return node.slots.some(([start, end]) => slot >= start && slot <= end);
}

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
 * The slot Redis gives `key` (CLUSTER KEYSLOT): CRC16 of its UTF-8 bytes mod 16384, or of its hash tag alone: what
 * lies between the first `{` and the first `}` after it, when that is not empty.
 *
 * Not ioredis' `cluster-key-slot` (1.1.1): after an empty first tag it keeps looking for a later one, so for
 * `x{}{y}` it says 15133 where Redis says 14166. ioredis routes by it, so every command on such a key goes to the
 * wrong node, gets MOVED and refreshes the whole slot cache (seen with DEBUG=ioredis:cluster, ioredis 6.0.0).
 */
export function slotOf(key: string | Buffer): number {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  const open = bytes.indexOf(0x7b);
  const close = open < 0 ? -1 : bytes.indexOf(0x7d, open + 1);
  const hashed = close > open + 1 ? bytes.subarray(open + 1, close) : bytes;
  return crc16(hashed) % SLOT_COUNT;
}

/** The primaries that serve slots, by port. */
export function primaries(nodes: ClusterNode[]): ClusterNode[] {
  return nodes.filter((n) => n.role === 'master' && n.slots.length > 0).sort((a, b) => a.port - b.port);
}

/** The replicas of `primary` that are not flagged as failed. */
export function replicasOf(nodes: ClusterNode[], primary: ClusterNode): ClusterNode[] {
  return nodes
    .filter((n) => n.masterId === primary.id && !n.flags.includes('fail'))
    .sort((a, b) => a.port - b.port);
}

export function primaryOfSlotIn(nodes: ClusterNode[], slot: number): ClusterNode | undefined {
  return nodes.find((n) => n.role === 'master' && ownsSlot(n, slot));
}

/**
 * One node's slot -> primary map as a comparable string (`0-5460:27900 5461-10922:27901 ...`), and how many
 * slots it covers. Two nodes agree on the topology when their strings are equal.
 */
export function slotMapOf(nodes: ClusterNode[]): { map: string; covered: number } {
  const ranges = primaries(nodes)
    .flatMap((n) => n.slots.map(([start, end]) => ({ start, end, port: n.port })))
    .sort((a, b) => a.start - b.start);
  return {
    map: ranges.map((r) => `${r.start}-${r.end}:${r.port}`).join(' '),
    covered: ranges.reduce((sum, r) => sum + r.end - r.start + 1, 0),
  };
}

/**
 * A key `${prefix}<n>` whose slot `primary` serves. With 3 primaries about one key in three fits, so a few tries
 * suffice; the prefix is kept whole so the key stays inside an ACL key pattern (`app:*` for the app user).
 */
export function keyInSlots(primary: Pick<ClusterNode, 'slots' | 'port'>, prefix: string): string {
  for (let n = 0; n < 100_000; n++) {
    const key = `${prefix}${n}`;
    if (ownsSlot(primary, slotOf(key))) return key;
  }
  throw new Error(`no key ${prefix}<n> hashes to a slot of ${primary.port}`);
}

/** Compact ranges for humans: `0-5460, 10923` (the CLI's status). */
export function formatSlots(slots: [number, number][]): string {
  if (slots.length === 0) return 'none';
  return slots.map(([start, end]) => (start === end ? `${start}` : `${start}-${end}`)).join(', ');
}
