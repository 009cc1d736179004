import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import type { HealthConfig } from '../config/health.config';
import { REDIS_HA_HEALTH_CONFIG } from './observability.constants';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type Redis from 'ioredis';
import { isIP } from 'node:net';
import type { Subscription } from 'rxjs';
import { RedisHaEvents } from '../events/redis-ha-events';
import { remoteEndpoint } from '../internals/ioredis';
import { getRedisToken } from '../redis-ha.constants';
import { boundedProbe, elapsedMs, reason } from './bounded-probe';
import { probeBudget } from './probe-budget';
import { hostPort } from './sentinel-view';
import { REDIS_HA_TOPOLOGY, type Topology } from '../topology/topology';

/**
 * PING and its round trip on the writer connection the app uses (`@InjectRedis()`), and `ROLE` on the same
 * connection: a client stuck on a demoted node (or on a replica) shows as `down`, not only a dead one. After a
 * switchover the old master still answers `master` for ~10 s (until Sentinel converts it), so the writer's
 * address is also compared with the master of the last `+switch-master`.
 * Answers within `HEALTH_TIMEOUT_MS`: nothing is sent while the writer reconnects (a failover in progress), and
 * nothing is queued behind an earlier probe a hung master has not answered.
 */
@Injectable()
export class RedisHealthIndicator implements OnModuleDestroy {
  /** The master named by the last switch, when it is an IP (a socket's remote address can only equal that). */
  private switchedTo: string | undefined;
  private readonly subscription: Subscription;

  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(getRedisToken()) private readonly writer: Redis,
    @Inject(REDIS_HA_HEALTH_CONFIG) private readonly settings: HealthConfig,
    events: RedisHaEvents,
    @Inject(REDIS_HA_TOPOLOGY) private readonly topology: Topology,
  ) {
    this.subscription = events.on('master-changed').subscribe((e) => {
      this.switchedTo = isIP(e.to.host) ? hostPort(e.to) : undefined;
    });
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }

  async isHealthy<const Key extends string = 'redis'>(
    key: Key = 'redis' as Key,
  ): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    const writer = this.writer;
    const address = remoteAddress(writer);
    const lease = this.topology.describe().writeLease;
    if (lease && !lease.held && lease.minority) {
      const since = lease.lostSince === undefined ? '' : ` for ${Date.now() - lease.lostSince} ms`;
      return indicator.down({
        address,
        message:
          `writes are held${since}: no majority of the sentinels has named the master for 1.5 s ` +
          '(this instance may be on the minority side of a partition)',
      });
    }
    try {
      const { pingMs, role } = await boundedProbe(
        writer,
        'the writer (master)',
        probeBudget(this.settings.timeoutMs),
        async () => {
          const start = performance.now();
          const [pingMs, role] = await Promise.all([
            writer.ping().then(() => elapsedMs(start)),
            writer.role(),
          ]);
          return { pingMs, role: role as unknown[] };
        },
      );
      const kind = String(role[0]);
      if (kind !== 'master') {
        return indicator.down({
          address,
          role: kind,
          pingMs,
          message: `the writer is connected to a ${kind}, not the master (demoted master?)`,
        });
      }
      if (this.switchedTo && address && address !== this.switchedTo) {
        return indicator.down({
          address,
          role: kind,
          pingMs,
          message: `the writer is on ${address} but the sentinels switched the master to ${this.switchedTo}`,
        });
      }
      const replicas = Array.isArray(role[2]) ? role[2].length : undefined;
      return indicator.up({ address, role: kind, pingMs, replicas });
    } catch (err) {
      return indicator.down({ address, message: reason(err) });
    }
  }
}

/** `host:port` of the node the client's socket is connected to, or null. */
export function remoteAddress(client: Redis): string | null {
  const remote = remoteEndpoint(client);
  if (!remote) return null;
  const host = remote.host.includes(':') ? `[${remote.host}]` : remote.host;
  return `${host}:${remote.port}`;
}
