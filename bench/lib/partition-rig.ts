import type { INestApplication } from '@nestjs/common';
import type Redis from 'ioredis';
import { getRedisToken, RedisHaConnectionFactory, RedisHaEvents } from '@app/redis-ha';
import { RedisHaHealthModule, RedisHealthIndicator } from '@app/redis-ha/health';
import { startHaApp } from '../../test/helpers/ha-app';
import { WriteLoad } from '../../test/helpers/write-load';
import { LocalCluster } from '../../tools/cluster/local-cluster';
import { appEndpoint, Partition, type Endpoint } from '../../tools/cluster/netns';
import { DurableLoad } from './durable-load';
import { rawSentinelClient } from './raw-client';
import { sleep } from './stats';

/** REDIS_WRITE_LEASE_MS for the library, when the bench is run with it set (else the library's default). */
const LEASE = process.env.REDIS_WRITE_LEASE_MS
  ? { REDIS_WRITE_LEASE_MS: process.env.REDIS_WRITE_LEASE_MS }
  : {};

export const DOWN_AFTER_MS = Number(process.env.DOWN_AFTER_MS ?? 2000);

/**
 * One partition scenario's rig, inside the private network namespace: a cluster on its own addresses with the
 * committed replication settings, the library (writer, durable writer, readiness) and a raw ioredis client
 * writing side by side, and the partition to cut links with.
 */
export class PartitionRig {
  readonly partition = new Partition();
  readonly app = appEndpoint();
  private readonly loads: { lib: WriteLoad; raw: WriteLoad; durable: DurableLoad };

  private constructor(
    readonly cluster: LocalCluster,
    readonly nest: INestApplication,
    readonly lib: Redis,
    readonly raw: Redis,
    durable: Redis,
    tag: string,
  ) {
    this.loads = {
      lib: new WriteLoad(lib, `app:part:${tag}:lib:`),
      raw: new WriteLoad(raw, `app:part:${tag}:raw:`),
      durable: new DurableLoad(durable, `app:part:${tag}:durable:`),
    };
  }

  static async start(basePort: number, tag: string, env: Record<string, string> = {}): Promise<PartitionRig> {
    const cluster = await LocalCluster.start({
      basePort,
      partitionable: true,
      downAfterMs: DOWN_AFTER_MS,
    });
    try {
      const nest = await startHaApp(
        { env: { ...cluster.env(), REDIS_COMMAND_TIMEOUT_MS: '15000', ...LEASE, ...env } },
        { imports: [RedisHaHealthModule.register({ endpoints: false })] },
      );
      const durable = nest.get(RedisHaConnectionFactory).createNode('writer', 'durable');
      return new PartitionRig(
        cluster,
        nest,
        nest.get(getRedisToken()),
        rawSentinelClient(cluster),
        durable,
        tag,
      );
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  get events(): RedisHaEvents {
    return this.nest.get(RedisHaEvents);
  }

  /** The process on `port` as a side of a link; `app` for this process. */
  node(port: number): Endpoint {
    return this.cluster.endpoint(port);
  }

  /** Every node and sentinel but the one on `port`. */
  allBut(port: number): Endpoint[] {
    const { redisPorts, sentinelPorts } = this.cluster;
    return [...redisPorts, ...sentinelPorts].filter((p) => p !== port).map((p) => this.node(p));
  }

  /** Cuts every link between a node of `a` and a node of `b`. */
  cutBetween(a: Endpoint[], b: Endpoint[]): void {
    this.partition.cutAll(a.flatMap((x) => b.map((y): [Endpoint, Endpoint] => [x, y])));
  }

  startLoads(): void {
    this.loads.lib.start();
    this.loads.raw.start();
    this.loads.durable.start();
  }

  get libLoad(): WriteLoad {
    return this.loads.lib;
  }

  /** Whether readiness (the library's writer indicator) says up now. */
  async ready(): Promise<boolean> {
    const result = await this.nest.get(RedisHealthIndicator).isHealthy('redis');
    return result.redis.status === 'up';
  }

  /** Polls readiness from `from` until it is down; ms after `from`, or undefined within `withinMs`. */
  async readyDownAfter(from: number, withinMs: number): Promise<number | undefined> {
    while (Date.now() - from < withinMs) {
      if (!(await this.ready())) return Date.now() - from;
      await sleep(25);
    }
    return undefined;
  }

  /**
   * Stops the loads once the cluster is whole again (every old master converted), and counts on the final
   * master: acknowledged writes it lacks, and writes reported failed that it has.
   */
  async finish(formerMasters: number[]) {
    for (const port of formerMasters)
      await this.cluster.waitForRole(port, 'slave', 60_000).catch(() => undefined);
    await sleep(1000);
    const [lib, raw, durable] = [
      await this.loads.lib.stop(),
      await this.loads.raw.stop(),
      await this.loads.durable.stop(),
    ];
    await sleep(500);
    const admin = this.cluster.admin(await this.cluster.master());
    try {
      return {
        lib,
        raw,
        durable,
        libLost: await this.loads.lib.countLost(admin),
        rawLost: await this.loads.raw.countLost(admin),
        libFailedButApplied: await this.loads.lib.countFailedApplied(admin),
        durableLost: await this.loads.durable.lost(admin),
        durableFailedButApplied: await this.loads.durable.failedButApplied(admin),
      };
    } finally {
      admin.disconnect();
    }
  }

  async stop(): Promise<void> {
    this.partition.healAll();
    this.raw.disconnect();
    await this.nest.close().catch(() => undefined);
    await this.cluster.stop();
  }
}
