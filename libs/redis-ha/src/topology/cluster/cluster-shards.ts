import type { HostPort } from '../../config/connection.config';
import type { ShardDescription } from '../topology';

/** Consecutive slots served by the same nodes: `nodes` are node keys (`host:port`), the primary first. */
export interface SlotRange {
  first: number;
  last: number;
  nodes: string[];
}

/** ioredis' node key of an address. */
export function nodeKey({ host, port }: HostPort): string {
  return `${host}:${port}`;
}

/** `host:port` of ioredis' node keys. */
export function hostPort(key: string): HostPort {
  const at = key.lastIndexOf(':');
  return { host: key.slice(0, at), port: Number(key.slice(at + 1)) };
}

/**
 * The shards in ioredis' slot table (`Cluster#slots`: per slot, the node keys serving it, primary first):
 * consecutive slots with the same nodes form a range; ranges with the same primary form a shard.
 */
export function shardsOf(slots: ReadonlyArray<readonly string[] | undefined>): ShardDescription[] {
  const byPrimary = new Map<string, ShardDescription>();
  let start = 0;
  for (let slot = 1; slot <= slots.length; slot++) {
    const previous = slots[slot - 1];
    const current = slots[slot];
    if (slot < slots.length && current?.join(';') === previous?.join(';')) continue;
    if (previous?.length) {
      const [primary, ...replicas] = previous;
      let shard = byPrimary.get(primary);
      if (!shard) {
        shard = { primary: hostPort(primary), replicas: replicas.map(hostPort), slots: [] };
        byPrimary.set(primary, shard);
      }
      shard.slots.push([start, slot - 1]);
    }
    start = slot;
  }
  return [...byPrimary.values()];
}

/** A move of slot ranges from one primary to another, between two reads of the slot table. */
export interface PrimaryMove {
  from: string;
  to: string;
  slots: Array<[number, number]>;
}

/** Slots whose primary differs between `before` and `after` (slots unassigned on either side are ignored). */
export function primaryMoves(
  before: ReadonlyArray<string | undefined>,
  after: ReadonlyArray<string | undefined>,
): PrimaryMove[] {
  const moves = new Map<string, PrimaryMove>();
  for (let slot = 0; slot < after.length; slot++) {
    const [from, to] = [before[slot], after[slot]];
    if (!from || !to || from === to) continue;
    const key = `${from}>${to}`;
    let move = moves.get(key);
    if (!move) moves.set(key, (move = { from, to, slots: [] }));
    const last = move.slots[move.slots.length - 1];
    if (last && last[1] === slot - 1) last[1] = slot;
    else move.slots.push([slot, slot]);
  }
  return [...moves.values()];
}

/**
 * `CLUSTER SLOTS`: `[first, last, [host, port, id, ...], ...replicas]` per range, sorted by first slot; each
 * node through `natMap` as ioredis maps it, so keys match `Cluster#slots`. Throws (the node counts as not
 * answering) when a node has no endpoint.
 */
export function parseClusterSlots(reply: unknown[], natMap?: Record<string, HostPort>): SlotRange[] {
  // '?' (endpoint type hostname, no hostname set) or '' (unknown): a table no client could connect by.
  const unusable = (reply as unknown[][]).some((range) =>
    range.slice(2).some((node) => ['?', ''].includes(String((node as unknown[])[0]))),
  );
  if (unusable) throw new Error('CLUSTER SLOTS named a node without an endpoint');
  const ranges = (reply as Array<[number, number, ...Array<[string, number]>]>).map(
    ([first, last, ...nodes]) => ({
      first: Number(first),
      last: Number(last),
      nodes: nodes.map(([host, port]) => {
        const key = `${host}:${port}`;
        const mapped = natMap?.[key];
        return mapped ? nodeKey(mapped) : key;
      }),
    }),
  );
  return ranges.sort((a, b) => a.first - b.first);
}
