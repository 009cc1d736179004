import Redis, { type RedisOptions } from 'ioredis';
import type { HostPort } from '../../config/connection.config';
import { hostPort, nodeKey, parseClusterSlots, type SlotRange } from './cluster-shards';

export type { SlotRange };

export interface SlotWatchOptions {
  seeds: readonly HostPort[];
  /** What each node connection gets (credentials, TLS, name); host and port are the watch's. */
  node: RedisOptions;
  natMap?: Record<string, HostPort>;
  intervalMs: number;
  /** How long one node may take to answer before the watch goes by the others' answers. */
  timeoutMs: number;
  /** Each table that differs from the last one (the first one included). */
  onTable(ranges: SlotRange[]): void;
}

/**
 * Follows a cluster's slot table for every client of the module at once: every `intervalMs`, `CLUSTER SLOTS` to
 * every node it knows, in parallel, over one long-lived connection per node; the table a majority of the known
 * nodes answer wins, as soon as they have (a hung node just does not answer, a dead one refuses at once). Not
 * the first answer: an old primary waking from a hang still names itself for a moment. ioredis' own periodic refresh would do this per client,
 * one node at a time (a hung one first costs its whole timeout) and over a new connection each time: with a dozen
 * clients per app, 60 connections a second to the cluster.
 */
export class SlotWatch {
  private readonly connections = new Map<string, Redis>();
  private timer?: NodeJS.Timeout;
  private asking = false;
  private closed = false;
  private signature = '';
  private readonly seeds: string[];
  /** When each node last answered (epoch ms). */
  private readonly answeredAt = new Map<string, number>();

  constructor(private readonly options: SlotWatchOptions) {
    this.seeds = options.seeds.map(nodeKey);
  }

  start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => void this.ask(), this.options.intervalMs);
    this.timer.unref();
    void this.ask();
  }

  /** Asks now (a round in progress counts); resolves once a majority agreed, or the round failed. */
  async ask(): Promise<void> {
    if (this.asking) return;
    this.asking = true;
    try {
      // The seeds too: when every node of the last table is gone or unreachable, they lead back to the cluster.
      const keys = [...new Set([...this.connections.keys(), ...this.seeds])];
      const table = await agreed(
        keys.map((key) =>
          this.connection(key)
            .cluster('SLOTS')
            .then((reply) => {
              this.answeredAt.set(key, Date.now());
              return parseClusterSlots(reply as unknown[], this.options.natMap);
            }),
        ),
        Math.floor(keys.length / 2) + 1,
      );
      if (table) this.learn(table);
    } finally {
      this.asking = false;
    }
  }

  /** Whether the node `key` has not answered for two rounds and more (hung, dead, or never asked). */
  silent(key: string): boolean {
    return Date.now() - (this.answeredAt.get(key) ?? 0) > 2 * this.options.intervalMs;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.timer = undefined;
    for (const connection of this.connections.values()) connection.disconnect();
    this.connections.clear();
  }

  private learn(ranges: SlotRange[]): void {
    if (this.closed) return; // a round that ended after close() opens nothing
    const signature = signatureOf(ranges);
    if (signature === this.signature) return;
    this.signature = signature;
    const known = new Set(ranges.flatMap((r) => r.nodes));
    for (const key of known) this.connection(key);
    for (const [key, connection] of this.connections) {
      if (known.has(key) || this.seeds.includes(key)) continue;
      connection.disconnect();
      this.connections.delete(key);
      this.answeredAt.delete(key);
    }
    this.options.onTable(ranges);
  }

  private connection(key: string): Redis {
    let connection = this.connections.get(key);
    if (connection) return connection;
    const { host, port } = hostPort(key);
    connection = new Redis({
      ...this.options.node,
      host,
      port,
      // Fail fast, never queue: a node that cannot answer now is simply not asked this round.
      enableOfflineQueue: false,
      commandTimeout: this.options.timeoutMs,
      maxRetriesPerRequest: 0,
      retryStrategy: (times) => Math.min(times * 100, 1000),
    });
    connection.on('error', () => undefined); // a node being down is what the watch is for
    this.connections.set(key, connection);
    return connection;
  }
}

/** The whole table: a change of replicas counts (clients refresh to read from them). */
function signatureOf(ranges: readonly SlotRange[]): string {
  return ranges.map((r) => `${r.first}-${r.last}:${r.nodes.join(',')}`).join(';');
}

/**
 * Who serves which slots: what the nodes must agree on. Not the replicas: for a few seconds after a failover the
 * nodes list them differently (the failed old primary, a replica still attaching), and waiting for those views to
 * match, or for the hung node to time out, delayed leaving a hung primary to 1.1 s after its replica's promotion.
 */
function primariesOf(ranges: readonly SlotRange[]): string {
  return ranges.map((r) => `${r.first}-${r.last}:${r.nodes[0]}`).join(';');
}

/**
 * The first table whose primaries `quorum` of the answers agree on, as soon as they do; when the answers end without a quorum
 * (nodes down or unreachable), the table most of them gave, the first of equals; undefined when none answered.
 * Errors count as no answer.
 */
export function agreed(
  answers: Array<Promise<SlotRange[]>>,
  quorum: number,
): Promise<SlotRange[] | undefined> {
  return new Promise((resolve) => {
    const votes = new Map<string, { table: SlotRange[]; count: number }>();
    let pending = answers.length;
    const settle = () => {
      if (--pending > 0) return;
      let best: { table: SlotRange[]; count: number } | undefined;
      for (const vote of votes.values()) if (!best || vote.count > best.count) best = vote;
      resolve(best?.table);
    };
    for (const answer of answers) {
      answer.then((table) => {
        const signature = primariesOf(table);
        const vote = votes.get(signature) ?? { table, count: 0 };
        votes.set(signature, vote);
        if (++vote.count === quorum) resolve(vote.table);
        settle();
      }, settle);
    }
    if (answers.length === 0) resolve(undefined);
  });
}
