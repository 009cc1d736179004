/**
 * `npm run bench:cluster`: the library's cluster connection vs a raw ioredis `Cluster` with default options, in
 * the same run, on a local Redis Cluster of 3 primaries + 3 replicas from redis/redis-cluster.conf
 * (cluster-node-timeout 2000 ms, ports 27930-27937).
 *
 * 1. Throughput: SET/GET over 1,000 keys spread over all slots, 50 in flight, 11 neighbouring raw/library pairs
 *    of 0.8 s (order alternating); the ratio is the median of the pairs' ratios.
 * 2. SIGKILL of a primary while both clients write (a loop per key, a write every 5 ms after each answer, 4 keys
 *    per shard each): the failed shard's pause, when it resumed after the promotion (measured on the nodes:
 *    the replica's ROLE, polled every 10 ms), failed writes, the other shards' longest stall, acknowledged
 *    writes lost. Then the killed node is restarted (it rejoins as a replica).
 * 3. A planned `CLUSTER FAILOVER` on a replica under the same load: acknowledged writes lost and the pause.
 *
 * Last line: {"libraryOpsPerSec":…,"rawOpsPerSec":…,"ratio":…,"promoteMs":…,"libraryPauseMs":…,"rawPauseMs":…,
 * "libraryResumeAfterPromotionMs":…,"libraryFailedWrites":…,"rawFailedWrites":…,"otherShardsMaxStallMs":…,
 * "rawOtherShardsMaxStallMs":…,"libraryLostAcked":…,"rawLostAcked":…,"libraryLostAckedSwitchover":…,
 * "rawLostAckedSwitchover":…,"librarySwitchoverPauseMs":…,"rawSwitchoverPauseMs":…}
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Cluster } from 'ioredis';
import { RedisHaModule, getRedisToken } from '@app/redis-ha';
import { LocalRedisCluster } from '../tools/cluster/redis-cluster';
import { ShardLoad, keysPerShard } from '../test/helpers/shard-load';
import { measureOps, median, note, printResult, round, runBench, sleep } from './lib/stats';

const BASE_PORT = 27930;
const IN_FLIGHT = 50;
const PAIRS = 11;
const ROUND_MS = 800;
const KEYS_PER_SHARD = 4;
const VALUE = 'v'.repeat(100);

async function opsPerSec(ms: number, op: (i: number) => Promise<unknown>): Promise<number> {
  return (await measureOps(ms, IN_FLIGHT, op)).opsPerSec;
}

async function throughput(library: Cluster, raw: Cluster) {
  const op = (client: Cluster, prefix: string) => (i: number) => {
    const key = `app:bench:${prefix}:${(i >> 1) % 1000}`;
    return i % 2 === 0 ? client.set(key, VALUE) : client.get(key);
  };
  await opsPerSec(500, op(raw, 'raw'));
  await opsPerSec(500, op(library, 'lib'));
  const [rawRuns, libRuns]: number[][] = [[], []];
  for (let pair = 0; pair < PAIRS; pair++) {
    if (pair % 2 === 0) rawRuns.push(await opsPerSec(ROUND_MS, op(raw, 'raw')));
    libRuns.push(await opsPerSec(ROUND_MS, op(library, 'lib')));
    if (pair % 2 === 1) rawRuns.push(await opsPerSec(ROUND_MS, op(raw, 'raw')));
  }
  note(`raw ioredis Cluster SET/GET: ${rawRuns.map((n) => n.toFixed(0)).join(' / ')} ops/s`);
  note(`library cluster SET/GET:     ${libRuns.map((n) => n.toFixed(0)).join(' / ')} ops/s`);
  return {
    rawOps: median(rawRuns),
    libOps: median(libRuns),
    ratio: median(libRuns.map((lib, i) => lib / rawRuns[i])),
  };
}

/** Both clients write through `fault` (which resolves with when it struck and the promotion time). */
async function underLoad(
  cluster: LocalRedisCluster,
  library: Cluster,
  raw: Cluster,
  tag: string,
  fault: (victim: number) => Promise<{ at: number; promotedAt: number }>,
) {
  const [libKeys, rawKeys] = [
    await keysPerShard(cluster, `${tag}:lib`, KEYS_PER_SHARD),
    await keysPerShard(cluster, `${tag}:raw`, KEYS_PER_SHARD),
  ];
  const loads = [new ShardLoad(library, libKeys), new ShardLoad(raw, rawKeys)];
  loads.forEach((load) => load.start());
  await sleep(1500);
  const victim = libKeys[0].shard;
  const { at, promotedAt } = await fault(victim);
  await sleep(Math.max(0, promotedAt + 3000 - Date.now()));
  await Promise.all(loads.map((load) => load.stop()));
  const [lib, rawFigures] = await Promise.all(
    loads.map((load) => load.figures(library, victim, at, promotedAt)),
  );
  note(`${tag}: promoted ${promotedAt - at} ms after the fault; library ${JSON.stringify(lib)}`);
  note(`${tag}: raw ioredis ${JSON.stringify(rawFigures)}`);
  return { promoteMs: promotedAt - at, lib, raw: rawFigures, victim };
}

async function main(): Promise<void> {
  const cluster = await LocalRedisCluster.start({ basePort: BASE_PORT, nodeTimeoutMs: 2000 });
  const env = cluster.env();
  @Module({ imports: [RedisHaModule.forRoot({ env })] })
  class BenchModule {}
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
  const library = app.get<Cluster>(getRedisToken());
  const raw = new Cluster(
    env.REDIS_CLUSTER_NODES.split(',').map((node) => ({
      host: '127.0.0.1',
      port: Number(node.split(':')[1]),
    })),
    { redisOptions: { username: env.REDIS_USERNAME, password: env.REDIS_PASSWORD } },
  );
  raw.on('error', () => undefined);
  try {
    const speed = await throughput(library, raw);
    // `--throughput-only` (profiling): skip the faults.
    if (process.argv.includes('--throughput-only')) return printResult({ ratio: round(speed.ratio, 3) });
    const kill = await underLoad(cluster, library, raw, 'kill', async (victim) => {
      const { at } = await cluster.kill(victim);
      const { promotedAt } = await cluster.waitForPromotion(victim, 30_000);
      return { at, promotedAt };
    });
    await cluster.restart(kill.victim);
    await cluster.waitUntilHealthy(30_000);
    const planned = await underLoad(cluster, library, raw, 'switchover', async (victim) =>
      cluster.failover(await cluster.replicaOf(victim)),
    );
    printResult({
      libraryOpsPerSec: Math.round(speed.libOps),
      rawOpsPerSec: Math.round(speed.rawOps),
      ratio: round(speed.ratio, 3),
      promoteMs: kill.promoteMs,
      libraryPauseMs: kill.lib.victimPauseMs,
      rawPauseMs: kill.raw.victimPauseMs,
      libraryResumeAfterPromotionMs: kill.lib.resumeAfterPromotionMs,
      libraryFailedWrites: kill.lib.failed,
      rawFailedWrites: kill.raw.failed,
      otherShardsMaxStallMs: kill.lib.otherShardsMaxStallMs,
      rawOtherShardsMaxStallMs: kill.raw.otherShardsMaxStallMs,
      libraryLostAcked: kill.lib.lostAcked,
      rawLostAcked: kill.raw.lostAcked,
      libraryLostAckedSwitchover: planned.lib.lostAcked,
      rawLostAckedSwitchover: planned.raw.lostAcked,
      librarySwitchoverPauseMs: planned.lib.victimPauseMs,
      rawSwitchoverPauseMs: planned.raw.victimPauseMs,
    });
  } finally {
    raw.disconnect();
    await app.close();
    await cluster.stop();
  }
}

runBench(main);
