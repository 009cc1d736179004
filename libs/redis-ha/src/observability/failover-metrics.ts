import type { Registry } from 'prom-client';
import type { Subscription } from 'rxjs';
import type { RedisHaConfig } from '../config/redis-ha-options.interface';
import type { RedisHaEvents } from '../events/redis-ha-events';
import type { SentinelProbe } from './sentinel-probe';
import { judgeSentinels } from './sentinel-verdict';
import { hostPort } from './sentinel-view';
import { CallbackMetric, register, type Sample } from './callback-metric';

/** A sentinel snapshot this recent is reused by a scrape instead of asking the sentinels again. */
const SNAPSHOT_MAX_AGE_MS = 1000;

/**
 * Failovers as this process observed them (`RedisHaEvents`: one `master-changed` per switch), the current
 * master, and the sentinels' reachability and quorum (asked at scrape time, within `HEALTH_TIMEOUT_MS`).
 */
export class FailoverMetrics {
  private failovers = 0;
  private started = 0;
  private aborted = 0;
  private lastFailoverAt: number | undefined;
  private lastMaster: string | undefined;
  private subscription: Subscription | undefined;

  constructor(
    private readonly config: RedisHaConfig,
    private readonly events: RedisHaEvents,
    private readonly sentinels: SentinelProbe,
  ) {}

  start(): void {
    this.subscription = this.events.events$.subscribe((e) => {
      if (e.type === 'master-changed') {
        this.failovers++;
        this.lastFailoverAt = e.at.getTime();
        this.lastMaster = hostPort(e.to);
      } else if (e.type === 'failover-started') this.started++;
      else if (e.type === 'failover-aborted') this.aborted++;
    });
  }

  stop(): void {
    this.subscription?.unsubscribe();
  }

  registerOn(registry: Registry, prefix: string): void {
    const master = { master_name: this.config.connection.masterName };
    const counter = (name: string, help: string, value: () => number) =>
      register(
        registry,
        new CallbackMetric(`${prefix}${name}`, help, 'counter', () => [{ labels: master, value: value() }]),
      );
    counter(
      'failovers_total',
      'Master switches observed (+switch-master to a new address), one per failover',
      () => this.failovers,
    );
    counter(
      'failovers_started_total',
      'Failovers the sentinels announced (+try-failover): writes were held',
      () => this.started,
    );
    counter(
      'failovers_aborted_total',
      'Announced failovers that ended without a switch (abort or hold bound)',
      () => this.aborted,
    );
    register(
      registry,
      new CallbackMetric(
        `${prefix}last_failover_timestamp_seconds`,
        'Unix time of the last master switch this process observed (absent before the first)',
        'gauge',
        () => (this.lastFailoverAt ? [{ labels: master, value: this.lastFailoverAt / 1000 }] : []),
      ),
    );
    register(
      registry,
      new CallbackMetric(
        `${prefix}master_info`,
        'The current master (address label), 1; from the sentinels (highest config epoch) or the last switch',
        'gauge',
        async () => {
          const address = await this.currentMaster();
          return address ? [{ labels: { ...master, address }, value: 1 }] : [];
        },
      ),
    );
    if (!this.sentinels.enabled) return;
    register(
      registry,
      new CallbackMetric(
        `${prefix}sentinel_up`,
        '1 when the sentinel answered SENTINEL MASTER within HEALTH_TIMEOUT_MS',
        'gauge',
        async () => {
          const snapshot = await this.sentinels.snapshot(SNAPSHOT_MAX_AGE_MS);
          return snapshot.views.map((v): Sample => ({
            labels: { ...master, sentinel: v.sentinel },
            value: v.reachable ? 1 : 0,
          }));
        },
      ),
    );
    register(
      registry,
      new CallbackMetric(
        `${prefix}sentinel_quorum_ok`,
        '1 when the sentinels can still fail over (CKQUORUM OK and enough sentinels answer), else 0',
        'gauge',
        async () => [
          {
            labels: master,
            value: judgeSentinels(await this.sentinels.snapshot(SNAPSHOT_MAX_AGE_MS)).quorumOk ? 1 : 0,
          },
        ],
      ),
    );
    register(
      registry,
      new CallbackMetric(
        `${prefix}sentinels_agree`,
        '1 when every answering sentinel names the same master, else 0',
        'gauge',
        async () => [
          {
            labels: master,
            value: judgeSentinels(await this.sentinels.snapshot(SNAPSHOT_MAX_AGE_MS)).agree ? 1 : 0,
          },
        ],
      ),
    );
  }

  private async currentMaster(): Promise<string | undefined> {
    const conn = this.config.connection;
    if (conn.mode === 'cluster') return undefined; // one primary per shard: redis_ha_cluster_shard_primary_info
    if (!this.sentinels.enabled) return hostPort({ host: conn.host, port: conn.port });
    const verdict = judgeSentinels(await this.sentinels.snapshot(SNAPSHOT_MAX_AGE_MS));
    return verdict.master ?? this.lastMaster;
  }
}
