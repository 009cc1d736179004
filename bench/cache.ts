/**
 * `npm run bench:cache`: the cache through the library vs raw ioredis, on a local cluster on port 27620.
 *
 * 1. get/set ops/s through `CACHE_MANAGER` vs raw ioredis GET/SET (default options, through Sentinel), one
 *    process, 50 calls in flight, 100-byte values, alternating rounds; and `RedisHaCache.wrap()` ops/s on hits.
 * 2. Loader runs per expiry (regeneration) of one hot key (TTL 1 s, loader 50 ms) with 8 processes calling `wrap()` on it,
 *    without and with early refresh (XFetch + a cross-process refresh lock).
 *
 * CPU per call (`process.cpuUsage()` user + system over each measured round ÷ its calls, same rounds as the
 * ops/s): under load the CPU a call costs, not the idle round trip, decides throughput. Ratios: the median of 13
 * neighbouring raw/library pairs' ratios; µs per call: medians of the rounds.
 *
 * Last line: {"getSetRatio":…,"libraryCpuUsPerCall":…,"rawCpuUsPerCall":…,"cpuPerCallRatio":…,"wrapOpsPerSec":…,
 * "loaderRunsPerExpiry":…,"loaderRunsPerExpiryEarlyRefresh":…}
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { CACHE_MANAGER, type Cache } from '@nestjs/cache-manager';
import Redis from 'ioredis';
import { RedisHaCache, RedisHaCacheModule } from '@app/redis-ha/cache';
import { RedisHaModule } from '@app/redis-ha';
import { RedisHaHealthModule } from '@app/redis-ha/health';
import { LocalCluster } from '../tools/cluster/local-cluster';
import { measureOps, median, sleep } from './lib/stats';

const BASE_PORT = 27620;
const IN_FLIGHT = 50;
const ROUND_MS = 1500;
/**
 * Raw/library rounds of 0.8 s in 13 pairs, the order alternating (raw first, then library first), each ratio taken
 * within its pair: one round on a shared VM moves by up to ±25 % from the next, mostly as the whole machine speeds
 * up or slows down, which two neighbouring rounds share. The median of the pairs' ratios cancels that drift; the
 * ratio of two medians of 9 rounds (the earlier estimator) moved 0.97 – 1.17 between runs of the same code.
 */
const PAIRS = 13;
const PAIR_ROUND_MS = 800;
const VALUE = 'v'.repeat(100);
const PROCESSES = 8;
const HOT_TTL_MS = 1000;
const LOADER_MS = 50;
const WARM_MS = 1500;
const MEASURE_MS = 8000;

/** Workers run like the bench itself (`npm run bench:cache` = ts-node, which emits the decorator metadata Nest needs). */
const TS_NODE = ['-r', 'ts-node/register/transpile-only'];

/**
 * The core, the cache and the health feature's indicators and metrics (no endpoints): its per-command
 * instrumentation of every client is part of what a call costs, unless METRICS_ENABLED=false.
 */
async function startApp(env: Record<string, string>) {
  @Module({
    imports: [
      RedisHaModule.forRoot({ env }),
      RedisHaCacheModule.register({ isGlobal: true }),
      RedisHaHealthModule.register({ endpoints: false }),
    ],
  })
  class BenchModule {}
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
  return { app, manager: app.get<Cache>(CACHE_MANAGER), cache: app.get(RedisHaCache) };
}

/** CPU time (µs) this process spent per call in the last `opsPerSec()`: steadier than ops/s on a shared machine. */
let lastCpuPerOp = 0;

/** Calls `op` with IN_FLIGHT calls outstanding for `ms`; returns ops/s. */
async function opsPerSec(ms: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const { opsPerSec: ops, cpuUsPerOp } = await measureOps(ms, IN_FLIGHT, op);
  lastCpuPerOp = cpuUsPerOp;
  return ops;
}

async function throughput(cluster: LocalCluster, env: Record<string, string>) {
  const sentinels = cluster.sentinelPorts.map((port) => ({ host: '127.0.0.1', port }));
  const rawOptions = {
    sentinels,
    name: env.REDIS_MASTER_NAME,
    username: env.REDIS_USERNAME,
    password: env.REDIS_PASSWORD,
    sentinelUsername: env.REDIS_SENTINEL_USERNAME,
    sentinelPassword: env.REDIS_SENTINEL_PASSWORD,
  };
  const raw = new Redis(rawOptions);
  const rawPipelined = new Redis({ ...rawOptions, enableAutoPipelining: true });
  const { app, manager, cache } = await startApp(env);
  const rawOp = (client: Redis) => (i: number) => {
    const key = `cache:bench:raw:${(i >> 1) % 1000}`;
    return i % 2 === 0 ? client.set(key, VALUE, 'PX', 60_000) : client.get(key);
  };
  const libOp = (i: number) => {
    const key = `bench:${(i >> 1) % 1000}`;
    return i % 2 === 0 ? manager.set(key, VALUE, 60_000) : manager.get(key);
  };
  await opsPerSec(500, rawOp(raw)); // warm-up: connections, JIT
  await opsPerSec(500, libOp);
  const rawRuns: number[] = [];
  const libRuns: number[] = [];
  const rawCpu: number[] = [];
  const libCpu: number[] = [];
  const measure = async (op: (i: number) => Promise<unknown>, runs: number[], cpu: number[]) => {
    runs.push(await opsPerSec(PAIR_ROUND_MS, op));
    cpu.push(lastCpuPerOp);
  };
  for (let pair = 0; pair < PAIRS; pair++) {
    if (pair % 2 === 0) await measure(rawOp(raw), rawRuns, rawCpu);
    await measure(libOp, libRuns, libCpu);
    if (pair % 2 === 1) await measure(rawOp(raw), rawRuns, rawCpu);
  }
  const pairRatio = (lib: number[], base: number[]) => median(lib.map((value, i) => value / base[i]));
  const pipelined = await opsPerSec(ROUND_MS, rawOp(rawPipelined));
  // Reference: the same calls without the metrics feature's per-command instrumentation.
  const bare = await startApp({ ...env, METRICS_ENABLED: 'false' });
  const bareOp = (i: number) => {
    const key = `bench:${(i >> 1) % 1000}`;
    return i % 2 === 0 ? bare.manager.set(key, VALUE, 60_000) : bare.manager.get(key);
  };
  await opsPerSec(500, bareOp);
  const bareOps = await opsPerSec(ROUND_MS, bareOp);
  const bareCpu = lastCpuPerOp;
  const rawAfter = await opsPerSec(ROUND_MS, rawOp(raw));
  await bare.app.close();
  const ns = cache.namespace('benchwrap');
  const wrapOp = (i: number) => ns.wrap(String(i % 1000), async () => VALUE, { ttlSeconds: 600 });
  await opsPerSec(500, wrapOp);
  const wrapRuns = [await opsPerSec(ROUND_MS, wrapOp), await opsPerSec(ROUND_MS, wrapOp)];
  await app.close();
  raw.disconnect();
  rawPipelined.disconnect();
  const wrapOps = Math.max(...wrapRuns);
  const getSetRatio = pairRatio(libRuns, rawRuns);
  console.log(`raw ioredis GET/SET (defaults):        ${rawRuns.map((n) => n.toFixed(0)).join(' / ')} ops/s`);
  console.log(`raw ioredis GET/SET (autopipelining):  ${pipelined.toFixed(0)} ops/s (reference only)`);
  console.log(
    `library CACHE_MANAGER get/set:         ${libRuns.map((n) => n.toFixed(0)).join(' / ')} ops/s -> ratio ${getSetRatio.toFixed(3)} (median of the pairs' ratios)`,
  );
  console.log(
    `library get/set, METRICS_ENABLED=false: ${bareOps.toFixed(0)} ops/s (${bareCpu.toFixed(1)} µs CPU per call) vs raw ${rawAfter.toFixed(0)} right after (reference only)`,
  );
  console.log(
    `library RedisHaCache.wrap (hits):      ${wrapRuns.map((n) => n.toFixed(0)).join(' / ')} ops/s`,
  );
  console.log(
    `CPU per call: raw ${rawCpu.map((n) => n.toFixed(1)).join(' / ')} µs, library ${libCpu.map((n) => n.toFixed(1)).join(' / ')} µs`,
  );
  return {
    getSetRatio,
    libraryCpuUsPerCall: median(libCpu),
    rawCpuUsPerCall: median(rawCpu),
    cpuPerCallRatio: pairRatio(libCpu, rawCpu),
    wrapOpsPerSec: wrapOps,
  };
}

/** One of the 8 processes: waits for "go <at>", calls wrap() on the hot key until the window ends, reports. */
async function worker(): Promise<void> {
  const env = JSON.parse(process.env.CACHE_BENCH_ENV!) as Record<string, string>;
  const { app, cache } = await startApp(env);
  const hot = cache.namespace('hot');
  console.log('ready');
  const stdin = createInterface({ input: process.stdin });
  const line = await new Promise<string>((resolve) => stdin.once('line', resolve));
  stdin.close(); // or the open stdin keeps this process alive after the run
  const start = Number(line.split(' ')[1]);
  const measureFrom = start + WARM_MS;
  const end = measureFrom + MEASURE_MS;
  const runs: number[] = [];
  const loader = async () => {
    if (Date.now() >= measureFrom) runs.push(Date.now());
    await sleep(LOADER_MS);
    return { at: Date.now(), pid: process.pid };
  };
  await sleep(Math.max(0, start - Date.now()));
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (Date.now() < end) {
        await hot.wrap('key', loader, { ttlSeconds: HOT_TTL_MS / 1000 });
        await sleep(1);
      }
    }),
  );
  console.log(JSON.stringify({ runs }));
  await app.close();
  process.exit(0);
}

/**
 * Loader runs per regeneration of the key: runs less than a quarter TTL apart answer the same expiry (without
 * early refresh each process misses once per expiry; with it the key is regenerated before it lapses). The first
 * and last regenerations may be cut by the measuring window: only those in between count.
 */
function perRegeneration(starts: number[]): { events: number; perEvent: number } {
  const sorted = [...starts].sort((a, b) => a - b);
  const sizes: number[] = [];
  sorted.forEach((at, i) =>
    i === 0 || at - sorted[i - 1] > HOT_TTL_MS / 4 ? sizes.push(1) : sizes[sizes.length - 1]++,
  );
  const inner = sizes.length > 2 ? sizes.slice(1, -1) : sizes;
  return { events: sizes.length, perEvent: inner.reduce((a, b) => a + b, 0) / Math.max(1, inner.length) };
}

async function hotKey(
  cluster: LocalCluster,
  env: Record<string, string>,
  earlyRefresh: boolean,
): Promise<number> {
  const admin = cluster.admin(await cluster.master());
  await admin.del('cache:v1:hot:key', 'cache:lock:v1:hot:key');
  admin.disconnect();
  const childEnv = { ...env, CACHE_EARLY_REFRESH: String(earlyRefresh) };
  const children = Array.from({ length: PROCESSES }, () =>
    spawn(process.execPath, [...TS_NODE, __filename, '--worker'], {
      env: { ...process.env, CACHE_BENCH_ENV: JSON.stringify(childEnv) },
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const lines = children.map((child) => createInterface({ input: child.stdout! }));
  const next = (i: number) => new Promise<string>((resolve) => lines[i].once('line', resolve));
  await Promise.all(children.map((_, i) => next(i)));
  const reports = children.map((_, i) => next(i));
  const at = Date.now() + 200;
  for (const child of children) child.stdin!.write(`go ${at}\n`);
  const runs = (await Promise.all(reports)).map((line) => (JSON.parse(line) as { runs: number[] }).runs);
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => (child.exitCode !== null ? resolve(0) : child.once('exit', resolve))),
    ),
  );
  const { events, perEvent } = perRegeneration(runs.flat());
  console.log(
    `hot key, ${PROCESSES} processes, early refresh ${earlyRefresh ? 'on ' : 'off'}: loader runs per process ${runs.map((r) => r.length).join(',')}, ` +
      `${events} regenerations in ${MEASURE_MS} ms -> ${perEvent.toFixed(2)} runs per expiry (inner regenerations)`,
  );
  return perEvent;
}

async function main(): Promise<void> {
  const cluster = await LocalCluster.start({
    basePort: BASE_PORT,
    downAfterMs: 2000,
    failoverTimeoutMs: 5000,
  });
  try {
    const env = { ...cluster.env(), REDIS_KEY_PREFIX: 'app:' };
    const { getSetRatio, libraryCpuUsPerCall, rawCpuUsPerCall, cpuPerCallRatio, wrapOpsPerSec } =
      await throughput(cluster, env);
    // `--getset-only` (profiling the get/set path): skip the multi-process hot-key part.
    const getSetOnly = process.argv.includes('--getset-only');
    const loaderRunsPerExpiry = getSetOnly ? NaN : await hotKey(cluster, env, false);
    const loaderRunsPerExpiryEarlyRefresh = getSetOnly ? NaN : await hotKey(cluster, env, true);
    const round = (n: number, digits: number) => Number(n.toFixed(digits));
    console.log(
      JSON.stringify({
        getSetRatio: round(getSetRatio, 3),
        libraryCpuUsPerCall: round(libraryCpuUsPerCall, 2),
        rawCpuUsPerCall: round(rawCpuUsPerCall, 2),
        cpuPerCallRatio: round(cpuPerCallRatio, 3),
        wrapOpsPerSec: Math.round(wrapOpsPerSec),
        loaderRunsPerExpiry: round(loaderRunsPerExpiry, 2),
        loaderRunsPerExpiryEarlyRefresh: round(loaderRunsPerExpiryEarlyRefresh, 2),
      }),
    );
  } finally {
    await cluster.stop();
  }
}

(process.argv.includes('--worker') ? worker() : main()).catch((err) => {
  console.error(err);
  process.exit(1);
});
