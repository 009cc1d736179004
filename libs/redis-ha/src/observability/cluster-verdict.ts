import { keySlot } from '../topology/cluster/key-slot';
import {
  isFailing,
  rangeLabel,
  slotOwnership,
  type ClusterInfo,
  type ClusterSnapshot,
  type ShardProbe,
} from './cluster-view';

export interface ShardVerdict {
  /** The shard's first slot range (`"0-5460"`): stable through its failovers, unlike its primary. */
  shard: string;
  primary: string;
  slots: string[];
  slotCount: number;
  /** Its primary answered within the bound and takes queries (`cluster_state:ok` in its own view). */
  serving: boolean;
  rttMs?: number;
  error?: string;
  /** Replicas linked to the primary and not flagged failing (the primary's view; the client's table if it did not answer). */
  replicas: string[];
  problems: string[];
}

export interface ClusterVerdict {
  /** `down` when some of the app's slots (`HEALTH_CLUSTER_READY_KEYS`, default all) cannot be served now. */
  status: 'up' | 'down';
  degraded: boolean;
  problems: string[];
  /** `ok` when every answering primary says `cluster_state:ok`; `fail` when one does not; `unknown` when none answers. */
  state: 'ok' | 'fail' | 'unknown';
  /** The worst of the answering primaries' `CLUSTER INFO`: fewest assigned/ok slots, most pfail/fail. */
  slots: { assigned: number; ok: number; pfail: number; fail: number } | null;
  /** Every answering primary sees the same node serving the same slots. */
  agree: boolean;
  /** Slots of the app's keys that no serving primary covers. */
  unservedSlots: number;
  shards: ShardVerdict[];
}

/**
 * Judges one probe of the cluster. Readiness (`down`) asks only: can the app's keys be served now, i.e. does every
 * slot of `readySlots` (every slot by default: an app's keys hash over all of them) belong to a shard whose primary
 * answered within the bound and takes queries. With `cluster-require-full-coverage no` the other shards keep serving
 * while one fails over, so what one failing shard means depends on which keys the app needs: with
 * `HEALTH_CLUSTER_READY_KEYS` only their slots count. Everything the cluster survives is `up` with
 * `degraded: true` and the problems listed: a shard without a replica (one more failure takes its slots offline),
 * nodes flagged PFAIL/FAIL, primaries disagreeing on who serves which slots (normal for about a second after a
 * failover), a shard outside the app's keys that does not serve.
 */
export function judgeCluster(snapshot: ClusterSnapshot, readySlots?: ReadonlySet<number>): ClusterVerdict {
  const problems: string[] = [];
  const shards = snapshot.shards.map(judgeShard);
  const needed = (first: number, last: number) => {
    if (!readySlots) return last - first + 1;
    let n = 0;
    for (const slot of readySlots) if (slot >= first && slot <= last) n++;
    return n;
  };
  let unservedSlots = 0;
  for (const [first, last] of snapshot.unassigned) unservedSlots += needed(first, last);
  if (snapshot.shards.length === 0) {
    problems.push(`the writer has no slot table yet (its connection is ${snapshot.client})`);
  } else if (snapshot.unassigned.length > 0) {
    const count = snapshot.unassigned.reduce((n, [a, b]) => n + b - a + 1, 0);
    problems.push(`${count} slots have no primary (${snapshot.unassigned.map(rangeLabel).join(', ')})`);
  }
  snapshot.shards.forEach((probe, i) => {
    const shard = shards[i];
    if (shard.serving) return;
    const missed = probe.slots.reduce((n, [a, b]) => n + needed(a, b), 0);
    unservedSlots += missed;
    const scope = missed > 0 ? '' : ' (none of the app keys)';
    problems.push(`shard ${shard.shard}: primary ${shard.primary} does not serve${scope}: ${shard.error}`);
  });
  for (const shard of shards) {
    for (const problem of shard.problems) problems.push(`shard ${shard.shard}: ${problem}`);
  }

  const answered = snapshot.shards.filter((s) => s.view.info && s.view.nodes);
  const infos = answered.map((s) => s.view.info as ClusterInfo);
  const slots = infos.length
    ? {
        assigned: Math.min(...infos.map((i) => i.slotsAssigned)),
        ok: Math.min(...infos.map((i) => i.slotsOk)),
        pfail: Math.max(...infos.map((i) => i.slotsPfail)),
        fail: Math.max(...infos.map((i) => i.slotsFail)),
      }
    : null;
  const state = infos.length === 0 ? 'unknown' : infos.every((i) => i.state === 'ok') ? 'ok' : 'fail';
  if (slots && (slots.pfail > 0 || slots.fail > 0)) {
    problems.push(`slots served by a failing primary: ${slots.pfail} pfail, ${slots.fail} fail`);
  }
  const failing = new Set(
    answered.flatMap((s) =>
      (s.view.nodes ?? []).filter(isFailing).map((n) => `${n.address} (${n.flags.join(',')})`),
    ),
  );
  if (failing.size > 0) problems.push(`nodes flagged failing: ${[...failing].join(', ')}`);

  const views = new Map<string, string[]>();
  for (const s of answered) {
    const key = slotOwnership(s.view.nodes ?? []);
    views.set(key, [...(views.get(key) ?? []), s.view.address]);
  }
  const agree = views.size <= 1;
  if (!agree) {
    const groups = [...views.values()].map((who) => who.join(', ')).join(' | ');
    problems.push(`primaries disagree on which node serves which slots: ${groups}`);
  }
  const down = unservedSlots > 0;
  return {
    status: down ? 'down' : 'up',
    degraded: problems.length > 0,
    problems,
    state,
    slots,
    agree,
    unservedSlots,
    shards,
  };
}

function judgeShard(probe: ShardProbe): ShardVerdict {
  const { view } = probe;
  const slotCount = probe.slots.reduce((n, [a, b]) => n + b - a + 1, 0);
  const base = {
    shard: probe.slots.length ? rangeLabel(probe.slots[0]) : '-',
    primary: probe.primary,
    slots: probe.slots.map(rangeLabel),
    slotCount,
    rttMs: view.rttMs,
  };
  if (!view.reachable || !view.info || !view.nodes) {
    return {
      ...base,
      serving: false,
      error: view.error ?? 'no answer',
      replicas: probe.replicas,
      problems: [],
    };
  }
  const problems: string[] = [];
  const myself = view.nodes.find((n) => n.flags.includes('myself'));
  const replicas = view.nodes
    .filter((n) => myself && n.masterId === myself.id && !isFailing(n) && n.linkState === 'connected')
    .map((n) => n.address);
  if (replicas.length === 0) problems.push('no replica: one more failure takes its slots offline');
  if (myself && !myself.flags.includes('master')) {
    problems.push(
      `${probe.primary} says it is a ${myself.flags.includes('slave') ? 'replica' : 'non-primary'}`,
    );
  }
  const serving = view.info.state === 'ok';
  return {
    ...base,
    serving,
    error: serving ? undefined : `cluster_state:${view.info.state} (it refuses queries)`,
    replicas,
    problems,
  };
}

/** The slots of `keys` (`HEALTH_CLUSTER_READY_KEYS`), or undefined for every slot. */
export function readySlotsOf(keys: readonly string[] | undefined): Set<number> | undefined {
  return keys && keys.length > 0 ? new Set(keys.map(keySlot)) : undefined;
}
