/** `CLUSTER INFO` of one node: its view of the cluster's state and of the slots' health. */
export interface ClusterInfo {
  /** `ok`, or `fail` (the node refuses queries: uncovered slots with full coverage required, or a minority). */
  state: string;
  slotsAssigned: number;
  slotsOk: number;
  /** Slots served by a node this one flags PFAIL (it stopped answering; not yet agreed). */
  slotsPfail: number;
  /** Slots served by a node flagged FAIL (a majority of primaries agreed: its replica is being promoted). */
  slotsFail: number;
  knownNodes: number;
  currentEpoch: number;
}

/** One line of `CLUSTER NODES`. */
export interface ClusterNodeEntry {
  id: string;
  /** `host:port` (the client port; the bus port and hostname are dropped). */
  address: string;
  flags: string[];
  /** The primary's id, for a replica. */
  masterId?: string;
  linkState: string;
  slots: Array<[number, number]>;
}

/** What one shard's primary answered (or why it did not), as the app's own connection to it saw it. */
export interface PrimaryView {
  address: string;
  reachable: boolean;
  error?: string;
  rttMs?: number;
  info?: ClusterInfo;
  nodes?: ClusterNodeEntry[];
}

/** A shard as the app's writer routes it (its slot table), and what its primary answered. */
export interface ShardProbe {
  primary: string;
  /** The replicas in the client's slot table (used when the primary does not answer). */
  replicas: string[];
  slots: Array<[number, number]>;
  view: PrimaryView;
}

export interface ClusterSnapshot {
  at: number;
  /** The writer `Cluster`'s status (`ready`, `connecting`, ...): why its slot table may be empty. */
  client: string;
  shards: ShardProbe[];
  /** Slot ranges no primary serves in the client's table. */
  unassigned: Array<[number, number]>;
}

/** Parses `CLUSTER INFO` (`key:value` lines). */
export function parseClusterInfo(text: string): ClusterInfo {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0) fields[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  const n = (key: string) => Number(fields[key] ?? NaN);
  return {
    state: fields.cluster_state ?? 'unknown',
    slotsAssigned: n('cluster_slots_assigned'),
    slotsOk: n('cluster_slots_ok'),
    slotsPfail: n('cluster_slots_pfail'),
    slotsFail: n('cluster_slots_fail'),
    knownNodes: n('cluster_known_nodes'),
    currentEpoch: n('cluster_current_epoch'),
  };
}

/**
 * Parses `CLUSTER NODES`: `<id> <ip:port@cport[,hostname]> <flags> <master> <ping> <pong> <epoch> <link> <slot>...`.
 * Slots being migrated (`[slot->-id]`, `[slot-<-id]`) are not served ranges and are skipped.
 */
export function parseClusterNodes(text: string): ClusterNodeEntry[] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id, endpoint, flags, master, , , , linkState, ...slots] = line.trim().split(' ');
      return {
        id,
        address: endpoint.split('@')[0],
        flags: flags.split(','),
        masterId: master === '-' ? undefined : master,
        linkState,
        slots: slots
          .filter((s) => !s.startsWith('['))
          .map((s): [number, number] => {
            const [first, last = first] = s.split('-').map(Number);
            return [first, last];
          }),
      };
    });
}

/** Whether a node is flagged as failing (`fail` agreed, `fail?` this node's own suspicion) or unusable. */
export function isFailing(node: ClusterNodeEntry): boolean {
  return node.flags.some((f) => f === 'fail' || f === 'fail?' || f === 'noaddr' || f === 'handshake');
}

/** Who serves which slots in one node's view: equal strings mean the two nodes agree on the topology. */
export function slotOwnership(nodes: readonly ClusterNodeEntry[]): string {
  return nodes
    .filter((n) => n.flags.includes('master') && n.slots.length > 0)
    .map((n) => `${n.slots.map(([a, b]) => `${a}-${b}`).join(',')}=${n.address}`)
    .sort()
    .join(' ');
}

/** `"first-last"` labels of slot ranges. */
export function rangeLabel([first, last]: readonly [number, number]): string {
  return `${first}-${last}`;
}
