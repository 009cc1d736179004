import type { Cluster } from 'ioredis';
import type { LocalRedisCluster } from '../../tools/cluster/redis-cluster';
import { primaryOfSlotIn, slotOf } from '../../tools/cluster/redis-cluster-nodes';
import { setTimeout as sleep } from 'node:timers/promises';

/** One key of the load and the primary (port) that served it when the load started. */
export interface ShardKey {
  key: string;
  shard: number;
}

export interface ShardLoadFigures {
  writes: number;
  failed: number;
  /** Failed writes by the first words of their error. */
  errors: Record<string, number>;
  /** Longest gap between two acknowledged writes of the victim shard, across the fault (ms). */
  victimPauseMs: number;
  /**
   * The acknowledgement that ended the victim shard's longest pause between the fault and the promotion, minus
   * the promotion (ms).
   */
  resumeAfterPromotionMs: number;
  /** Longest gap between two acknowledged writes of any other shard, from the fault on (ms). */
  otherShardsMaxStallMs: number;
  /** Keys whose value in Redis is older than the last write Redis acknowledged. */
  lostAcked: number;
}

/**
 * Writes increasing values to `keys` (one loop per key, a write every `intervalMs` after the previous answer)
 * through one cluster client, noting each acknowledgement's time per shard. The same class drives the library's
 * client and a raw ioredis `Cluster` in one run, through the same fault.
 */
export class ShardLoad {
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly acks = new Map<number, number[]>();
  private readonly acked = new Map<string, number>();
  private readonly errors: Record<string, number> = {};
  private writes = 0;
  private failed = 0;
  private seq = 0;

  constructor(
    private readonly client: Cluster,
    private readonly keys: readonly ShardKey[],
    private readonly intervalMs = 5,
  ) {}

  start(): void {
    this.running = true;
    this.loops = this.keys.map((key) => this.loop(key));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop({ key, shard }: ShardKey): Promise<void> {
    const times = this.acks.get(shard) ?? this.acks.set(shard, []).get(shard)!;
    while (this.running) {
      const value = ++this.seq;
      this.writes++;
      try {
        await this.client.set(key, String(value));
        this.acked.set(key, value);
        times.push(Date.now());
      } catch (err) {
        this.failed++;
        const kind = (err as Error).message.split(/[.:]/)[0].slice(0, 60);
        this.errors[kind] = (this.errors[kind] ?? 0) + 1;
      }
      await sleep(this.intervalMs);
    }
  }

  /** Reads every key back (through `reader`, after the load stopped) and computes the figures. */
  async figures(
    reader: Cluster,
    victim: number,
    faultAt: number,
    promotedAt: number,
  ): Promise<ShardLoadFigures> {
    let lostAcked = 0;
    for (const [key, value] of this.acked) if (Number(await reader.get(key)) < value) lostAcked++;
    const gaps = (times: number[], from: number) =>
      times.reduce((max, t, i) => (i > 0 && t >= from ? Math.max(max, t - times[i - 1]) : max), 0);
    const victimTimes = this.acks.get(victim) ?? [];
    // Not the first acknowledgement after the fault: a write in flight at a SIGKILL can be answered just after it;
    // not a later pause either (a busy machine's).
    let resumedAt: number | undefined;
    for (let i = 1, longest = -1; i < victimTimes.length; i++) {
      const gap = victimTimes[i] - victimTimes[i - 1];
      const spansFault = victimTimes[i] > faultAt && victimTimes[i - 1] <= promotedAt;
      if (spansFault && gap > longest) [longest, resumedAt] = [gap, victimTimes[i]];
    }
    let others = 0;
    for (const [shard, times] of this.acks)
      if (shard !== victim) others = Math.max(others, gaps(times, faultAt));
    return {
      writes: this.writes,
      failed: this.failed,
      errors: this.errors,
      victimPauseMs: gaps(victimTimes, faultAt),
      resumeAfterPromotionMs: resumedAt === undefined ? NaN : resumedAt - promotedAt,
      otherShardsMaxStallMs: others,
      lostAcked,
    };
  }
}

/** `perShard` keys on each primary that serves slots, named `app:<tag>:<n>` (the `app` user's ACL pattern). */
export async function keysPerShard(
  cluster: LocalRedisCluster,
  tag: string,
  perShard = 4,
): Promise<ShardKey[]> {
  const nodes = await cluster.nodes(); // once: each key's shard is then looked up locally
  const primaries = nodes.filter((n) => n.role === 'master' && n.slots.length > 0);
  const count = new Map<number, number>();
  const keys: ShardKey[] = [];
  for (let n = 0; keys.length < primaries.length * perShard; n++) {
    const key = `app:${tag}:${n}`;
    const shard = primaryOfSlotIn(nodes, slotOf(key))!.port;
    if ((count.get(shard) ?? 0) >= perShard) continue;
    count.set(shard, (count.get(shard) ?? 0) + 1);
    keys.push({ key, shard });
  }
  return keys;
}

/**
 * `perRange` keys in each of `ranges` (inclusive slot ranges), tagged with the primary serving them now: for a
 * load on the slots a reshard is about to move.
 */
export async function keysInSlots(
  cluster: LocalRedisCluster,
  tag: string,
  ranges: ReadonlyArray<[number, number]>,
  perRange: number,
): Promise<ShardKey[]> {
  const nodes = await cluster.nodes();
  const keys: ShardKey[] = [];
  for (const [first, last] of ranges) {
    for (let n = 0, found = 0; found < perRange; n++) {
      const key = `app:${tag}:${first}:${n}`;
      const slot = slotOf(key);
      if (slot < first || slot > last) continue;
      keys.push({ key, shard: primaryOfSlotIn(nodes, slot)!.port });
      found++;
    }
  }
  return keys;
}

/** The primary holding a key that matches `pattern` (KEYS, as the admin user: a test cluster's few keys). */
export async function primaryHolding(cluster: LocalRedisCluster, pattern: string): Promise<number> {
  for (const node of await cluster.nodes()) {
    if (node.role !== 'master') continue;
    const admin = cluster.admin(node.port);
    const keys = await admin.keys(pattern).finally(() => admin.disconnect());
    if (keys.length > 0) return node.port;
  }
  throw new Error(`no primary holds a key matching ${pattern}`);
}
