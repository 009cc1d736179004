/**
 * bench:throughput — GET/SET ops/s through the library's writer vs a raw ioredis Sentinel client (default
 * options), 50 commands in flight, 100-byte values, alternating short rounds in the same run (machine load drifts less within 0.5 s); medians of ROUNDS.
 */
import 'reflect-metadata';
import type Redis from 'ioredis';
import { getRedisToken } from '@app/redis-ha';
import { startHaApp } from '../test/helpers/ha-app';
import { LocalCluster } from '../tools/cluster/local-cluster';
import { rawSentinelClient } from './lib/raw-client';
import { median, note, printResult, round, runBench } from './lib/stats';

const ROUNDS = Number(process.env.ROUNDS ?? 20);
const ROUND_MS = Number(process.env.ROUND_MS ?? 500);
const IN_FLIGHT = 50;
const VALUE = 'x'.repeat(100);

/** IN_FLIGHT workers each alternate SET and GET on their own key for `ms`; returns ops/s. */
async function measure(client: Redis, keyPrefix: string, ms: number): Promise<number> {
  const until = Date.now() + ms;
  let ops = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async (_, i) => {
      const key = `${keyPrefix}${i}`;
      while (Date.now() < until) {
        await client.set(key, VALUE);
        await client.get(key);
        ops += 2;
      }
    }),
  );
  return ops / ((Date.now() - started) / 1000);
}

runBench(async () => {
  const cluster = await LocalCluster.start({ basePort: 27610 });
  // No REDIS_KEY_PREFIX: both clients send the same key names, so the comparison is the library's own cost
  // (the metrics hook, the failover-aware connector, the command deadline), not an optional feature's.
  const app = await startHaApp({ env: { ...cluster.env(), ...extraEnv() } });
  const raw = rawSentinelClient(cluster);
  try {
    const lib = app.get<Redis>(getRedisToken());
    await Promise.all([lib.ping(), raw.ping()]);
    await measure(lib, 'app:tp:lib:', 500); // warm both up (JIT, connection buffers)
    await measure(raw, 'app:tp:raw:', 500);
    const libRuns: number[] = [];
    const rawRuns: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      libRuns.push(await measure(lib, 'app:tp:lib:', ROUND_MS));
      rawRuns.push(await measure(raw, 'app:tp:raw:', ROUND_MS));
      note(`round ${i + 1}: library ${round(libRuns[i])} ops/s, raw ${round(rawRuns[i])} ops/s`);
    }
    const libraryOpsPerSec = round(median(libRuns));
    const rawOpsPerSec = round(median(rawRuns));
    printResult({ libraryOpsPerSec, rawOpsPerSec, ratio: round(libraryOpsPerSec / rawOpsPerSec, 3) });
  } finally {
    raw.disconnect();
    await app.close();
    await cluster.stop();
  }
});

/** BENCH_ENV='{"METRICS_ENABLED":"false"}' measures the library with a setting changed. */
function extraEnv(): Record<string, string> {
  return process.env.BENCH_ENV ? JSON.parse(process.env.BENCH_ENV) : {};
}
