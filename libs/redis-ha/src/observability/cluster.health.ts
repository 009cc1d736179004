import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { HealthConfig } from '../config/health.config';
import { ClusterProbe } from './cluster-probe';
import { judgeCluster, readySlotsOf } from './cluster-verdict';
import { REDIS_HA_HEALTH_CONFIG } from './observability.constants';

/**
 * Redis Cluster (`REDIS_MODE=cluster`): `cluster_state` and the slots' health (`CLUSTER INFO`), each shard's
 * primary, its round trip and its replicas, and whether the primaries agree on the topology (`CLUSTER NODES`),
 * asked of every primary on the app's own connections. `down` only when some of the app's keys cannot be served
 * now (`HEALTH_CLUSTER_READY_KEYS`, by default every slot); a shard without a replica, failing nodes or a
 * disagreement are `up` with `degraded: true` (see `judgeCluster`). Answers within `HEALTH_TIMEOUT_MS`, also
 * when a primary hangs. Reports addresses, never credentials.
 */
@Injectable()
export class ClusterHealthIndicator {
  private readonly readySlots: ReadonlySet<number> | undefined;

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly probe: ClusterProbe,
    @Inject(REDIS_HA_HEALTH_CONFIG) settings: HealthConfig,
  ) {
    this.readySlots = readySlotsOf(settings.clusterReadyKeys);
  }

  async isHealthy<const Key extends string = 'cluster'>(
    key: Key = 'cluster' as Key,
  ): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    if (!this.probe.enabled) {
      return indicator.up({ mode: 'not-cluster', message: 'Redis Cluster is not used (REDIS_MODE)' });
    }
    const verdict = judgeCluster(await this.probe.snapshot(), this.readySlots);
    const data = {
      state: verdict.state,
      slots: verdict.slots,
      readySlots: this.readySlots ? this.readySlots.size : 'all',
      unservedSlots: verdict.unservedSlots,
      agree: verdict.agree,
      degraded: verdict.degraded,
      problems: verdict.problems,
      shards: verdict.shards.map((s) => ({
        shard: s.shard,
        slots: s.slots,
        primary: s.primary,
        serving: s.serving,
        ...(s.rttMs !== undefined ? { rttMs: s.rttMs } : {}),
        ...(s.error ? { error: s.error } : {}),
        replicas: s.replicas,
      })),
    };
    return verdict.status === 'up' ? indicator.up(data) : indicator.down(data);
  }
}
