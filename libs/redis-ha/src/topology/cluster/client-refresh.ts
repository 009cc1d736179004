import type { Cluster, Redis } from 'ioredis';
import { destroySocket } from '../../internals/ioredis';
import type { SlotRange } from './slot-watch';

/** Refreshes of one client in a row until its table names the primaries the slot watch agreed on. */
const MAX_TRIES = 5;
const ALL_FAILED = /Failed to refresh slots cache/;

/**
 * Has `cluster` refresh its slot table now, again until it names the primaries of `ranges` (a refresh already
 * under way when the watch learned the change may have asked a node before the promotion, or the frozen node
 * first: measured, a client then stayed on the hung primary 0.68 s after its replica's promotion).
 *
 * When every node the client knows fails to answer, and the slot watch does not hear from any of them either (they
 * all moved away or were renamed, while the watch reaches the cluster through the seeds), it starts over from the
 * seed nodes (not on a refresh that merely timed out on a busy machine): ioredis would keep asking
 * the nodes it knows (measured: a client stayed on unresolvable names for 10 s and more while the cluster served).
 */
export function refreshUntilCurrent(
  cluster: Cluster,
  ranges: readonly SlotRange[],
  silent: (key: string) => boolean,
  tries = MAX_TRIES,
): void {
  cluster.refreshSlotsCache((err) => {
    // A client closed meanwhile (shutdown, failed startup) stays closed: a reconnect would bring it back.
    if (cluster.status !== 'ready') return;
    if (err && ALL_FAILED.test(err.message) && cluster.nodes('all').every((node) => silent(keyOf(node))))
      return cluster.disconnect(true);
    if (tries > 1 && !namesPrimaries(cluster, ranges))
      refreshUntilCurrent(cluster, ranges, silent, tries - 1);
  });
}

function keyOf(node: Redis): string {
  return `${node.options.host}:${node.options.port}`;
}

function namesPrimaries(cluster: Cluster, ranges: readonly SlotRange[]): boolean {
  const slots = cluster.slots as Array<string[] | undefined>;
  return ranges.every(({ first, nodes }) => slots[first]?.[0] === nodes[0]);
}

/**
 * How long a node connection the cluster dropped (its node no longer serves a slot) may take to close, while the
 * node still answers the slot watch. ioredis only half-closes it: a healthy node closes at once, answering what it
 * had (a replica in ~1 ms here, a demoted primary with MOVED); a hung primary never does, and its unanswered
 * commands would wait for it to wake (measured: 2.1 s after the promotion was known). Then the socket is
 * destroyed, which fails them as "Connection is closed" and the cluster sends them to the promoted replica. A node
 * the watch has not heard from lately (`silent`: hung or dead) has its connection destroyed at once. Safe for
 * writes: the old primary, once awake, learns it was replaced and resyncs, discarding what it ran.
 */
const DROPPED_NODE_CLOSE_MS = 50;

/**
 * Closes the node connections `cluster` dropped from its pool at a refresh: at once when `silent(key)` says the
 * node does not answer, else after `DROPPED_NODE_CLOSE_MS`. ioredis announces a dropped node (`-node`) only once
 * its socket has closed, which is what never happens with a hung one: so the connections are followed from
 * `+node`, and compared with the pool after each refresh.
 */
export function closeDroppedNodes(cluster: Cluster, silent: (key: string) => boolean): void {
  const known = new Set<Redis>();
  cluster.on('+node', (node: Redis) => known.add(node));
  cluster.on('refresh', () => {
    const pooled = new Set(cluster.nodes('all'));
    for (const node of known) {
      if (pooled.has(node)) continue;
      known.delete(node);
      const close = () => node.status !== 'end' && destroySocket(node);
      if (silent(keyOf(node))) close();
      else setTimeout(close, DROPPED_NODE_CLOSE_MS).unref();
    }
  });
}
