import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { SentinelProbe } from './sentinel-probe';
import { judgeSentinels } from './sentinel-verdict';

/**
 * How many sentinels answer, whether they agree on the master, and `SENTINEL CKQUORUM`. `down` when no
 * automatic failover is possible any more (quorum or majority lost, no sentinel answers); a minority of
 * sentinels down, a disagreement on the master or a master flagged down are `up` with `degraded: true` and the
 * problems listed (Terminus has no `degraded` status and one `down` makes `/health` a 503; see
 * `judgeSentinels`). Answers within `HEALTH_TIMEOUT_MS` even when a sentinel hangs.
 */
@Injectable()
export class SentinelHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly probe: SentinelProbe,
  ) {}

  async isHealthy<const Key extends string = 'sentinels'>(
    key: Key = 'sentinels' as Key,
  ): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    if (!this.probe.enabled)
      return indicator.up({ mode: 'standalone', message: 'Sentinel is not used (REDIS_MODE)' });
    const snapshot = await this.probe.snapshot();
    const verdict = judgeSentinels(snapshot);
    const data = {
      masterName: snapshot.masterName,
      master: verdict.master ?? null,
      reachable: verdict.reachable,
      configured: verdict.configured,
      quorum: verdict.quorum ?? null,
      quorumOk: verdict.quorumOk,
      agree: verdict.agree,
      degraded: verdict.degraded,
      problems: verdict.problems,
      sentinels: snapshot.views.map((v) =>
        v.reachable
          ? {
              address: v.sentinel,
              reachable: true,
              rttMs: v.rttMs,
              master: v.master,
              configEpoch: v.configEpoch,
              ckquorum: v.ckquorum?.message,
            }
          : { address: v.sentinel, reachable: false, error: v.error },
      ),
    };
    return verdict.status === 'up' ? indicator.up(data) : indicator.down(data);
  }
}
