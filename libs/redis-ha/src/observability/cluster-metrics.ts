import type { Registry } from 'prom-client';
import type { Subscription } from 'rxjs';
import type { RedisHaEvents } from '../events/redis-ha-events';
import type { ClusterProbe } from './cluster-probe';
import { judgeCluster, type ClusterVerdict } from './cluster-verdict';
import { rangeLabel } from './cluster-view';
import { CallbackMetric, register, type Sample } from './callback-metric';

/** A cluster snapshot this recent is reused by a scrape instead of asking the primaries again. */
const SNAPSHOT_MAX_AGE_MS = 1000;

/**
 * Redis Cluster gauges read at scrape time from the cluster probe (within `HEALTH_TIMEOUT_MS`), and the primary
 * changes per shard this process observed (`master-changed` events, which carry the slots that moved). A shard
 * is labelled by its first slot range (`shard="0-5460"`): stable through its failovers, unlike its primary.
 */
export class ClusterMetrics {
  private readonly changes = new Map<string, number>();
  private subscription: Subscription | undefined;

  constructor(
    private readonly probe: ClusterProbe,
    private readonly events: RedisHaEvents,
    private readonly readySlots: ReadonlySet<number> | undefined,
  ) {}

  start(): void {
    this.subscription = this.events.on('master-changed').subscribe((e) => {
      const first = e.slots?.[0];
      if (!first) return;
      const shard = rangeLabel(first);
      this.changes.set(shard, (this.changes.get(shard) ?? 0) + 1);
    });
  }

  stop(): void {
    this.subscription?.unsubscribe();
  }

  registerOn(registry: Registry, prefix: string): void {
    const verdict = async () => judgeCluster(await this.probe.snapshot(SNAPSHOT_MAX_AGE_MS), this.readySlots);
    const gauge = (name: string, help: string, read: (v: ClusterVerdict) => Sample[]) =>
      register(
        registry,
        new CallbackMetric(`${prefix}${name}`, help, 'gauge', async () => read(await verdict())),
      );
    gauge('cluster_state', '1 when every answering primary says cluster_state:ok, else 0', (v) => [
      { value: v.state === 'ok' ? 1 : 0 },
    ]);
    gauge(
      'cluster_slots',
      'Slots by state, the worst of the answering primaries (CLUSTER INFO: assigned, ok, pfail, fail)',
      (v) =>
        v.slots
          ? (['assigned', 'ok', 'pfail', 'fail'] as const).map((state) => ({
              labels: { state },
              value: v.slots![state],
            }))
          : [],
    );
    gauge(
      'cluster_ready',
      '1 when every slot of the app keys (HEALTH_CLUSTER_READY_KEYS, default all) has a primary that serves',
      (v) => [{ value: v.status === 'up' ? 1 : 0 }],
    );
    gauge('cluster_nodes_agree', '1 when every answering primary names the same owner for each slot', (v) => [
      { value: v.agree ? 1 : 0 },
    ]);
    gauge(
      'cluster_shard_up',
      '1 when the shard primary answered CLUSTER INFO within HEALTH_TIMEOUT_MS and takes queries',
      (v) => v.shards.map((s) => ({ labels: { shard: s.shard }, value: s.serving ? 1 : 0 })),
    );
    gauge(
      'cluster_shard_replicas',
      'Replicas linked to the shard primary and not flagged failing (0: one more failure takes its slots offline)',
      (v) => v.shards.map((s) => ({ labels: { shard: s.shard }, value: s.replicas.length })),
    );
    gauge('cluster_shard_primary_info', 'The shard primary (address label), 1', (v) =>
      v.shards.map((s) => ({ labels: { shard: s.shard, address: s.primary }, value: 1 })),
    );
    register(
      registry,
      new CallbackMetric(
        `${prefix}cluster_master_changes_total`,
        'Primary changes of a shard this process observed (a failover or a resharding move), by first slot range',
        'counter',
        () => [...this.changes].map(([shard, value]) => ({ labels: { shard }, value })),
      ),
    );
  }
}
