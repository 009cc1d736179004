/**
 * bench:failover — write pause and acknowledged writes lost through failovers, the library's writer vs a raw
 * ioredis Sentinel client with default options, both writing every 5 ms through the same failovers.
 * Runs RUNS SIGKILL failovers and RUNS manual `SENTINEL FAILOVER`s (default 3 each) and prints medians.
 */
import 'reflect-metadata';
import type Redis from 'ioredis';
import { getRedisToken } from '@app/redis-ha';
import { startHaApp } from '../test/helpers/ha-app';
import { LocalCluster } from '../tools/cluster/local-cluster';
import { WriteLoad } from '../test/helpers/write-load';
import { rawSentinelClient } from './lib/raw-client';
import { median, note, printResult, runBench, sleep } from './lib/stats';

const RUNS = Number(process.env.RUNS ?? 3);
const DOWN_AFTER_MS = Number(process.env.DOWN_AFTER_MS ?? 2000);

interface Sample {
  switchMs: number;
  libraryPauseMs: number;
  rawPauseMs: number;
  libraryResumeAfterSwitchMs: number;
  rawResumeAfterSwitchMs: number;
  libraryLost: number;
  rawLost: number;
  libraryFailed: number;
  rawFailed: number;
}

async function failoverOnce(
  cluster: LocalCluster,
  lib: Redis,
  raw: Redis,
  kind: 'kill' | 'switchover',
  run: number,
): Promise<Sample> {
  const oldPort = await cluster.master();
  const libLoad = new WriteLoad(lib, `bench:${kind}:${run}:lib:`).start();
  const rawLoad = new WriteLoad(raw, `app:bench:${kind}:${run}:raw:`).start();
  await sleep(1000);
  const sw = cluster.nextSwitch(30_000);
  await sw.ready;
  const faultAt = kind === 'kill' ? (await cluster.killMaster()).at : (await cluster.failover()).at;
  const switched = await sw;
  await sleep(4000);
  const [libReport, rawReport] = await Promise.all([libLoad.stop(), rawLoad.stop()]);
  const admin = cluster.admin(switched.to);
  await sleep(300);
  const sample: Sample = {
    switchMs: switched.at - faultAt,
    libraryPauseMs: libReport.pauseMs,
    rawPauseMs: rawReport.pauseMs,
    libraryResumeAfterSwitchMs: libReport.pauseEndedAt - switched.at,
    rawResumeAfterSwitchMs: rawReport.pauseEndedAt - switched.at,
    libraryLost: await libLoad.countLost(admin, 'app:'),
    rawLost: await rawLoad.countLost(admin),
    libraryFailed: libReport.failed,
    rawFailed: rawReport.failed,
  };
  admin.disconnect();
  note(`${kind} #${run + 1}: ${JSON.stringify(sample)}`);
  if (kind === 'kill') await cluster.startNode(oldPort);
  await cluster.waitForRole(oldPort, 'slave', 40_000); // the next fault needs a healthy cluster again
  return sample;
}

runBench(async () => {
  const cluster = await LocalCluster.start({
    basePort: 27600,
    downAfterMs: DOWN_AFTER_MS,
    failoverTimeoutMs: 5000,
  });
  const app = await startHaApp({
    env: { ...cluster.env(), REDIS_KEY_PREFIX: 'app:', REDIS_FAILOVER_HOLD_MS: '6000' },
  });
  const raw = rawSentinelClient(cluster);
  try {
    const lib = app.get<Redis>(getRedisToken());
    note(
      `bench:failover: down-after-milliseconds ${DOWN_AFTER_MS}, ${RUNS} runs per kind, writes every 5 ms`,
    );
    const kills: Sample[] = [];
    const switchovers: Sample[] = [];
    for (let i = 0; i < RUNS; i++) kills.push(await failoverOnce(cluster, lib, raw, 'kill', i));
    for (let i = 0; i < RUNS; i++) switchovers.push(await failoverOnce(cluster, lib, raw, 'switchover', i));
    const m = (samples: Sample[], key: keyof Sample) => median(samples.map((s) => s[key]));
    printResult({
      switchMs: m(kills, 'switchMs'),
      libraryPauseMs: m(kills, 'libraryPauseMs'),
      rawPauseMs: m(kills, 'rawPauseMs'),
      libraryResumeAfterSwitchMs: m(kills, 'libraryResumeAfterSwitchMs'),
      rawResumeAfterSwitchMs: m(kills, 'rawResumeAfterSwitchMs'),
      libraryLostAcked: m(kills, 'libraryLost'),
      rawLostAcked: m(kills, 'rawLost'),
      libraryFailedWrites: m(kills, 'libraryFailed'),
      rawFailedWrites: m(kills, 'rawFailed'),
      libraryLostAckedSwitchover: m(switchovers, 'libraryLost'),
      rawLostAckedSwitchover: m(switchovers, 'rawLost'),
      libraryFailedWritesSwitchover: m(switchovers, 'libraryFailed'),
      rawFailedWritesSwitchover: m(switchovers, 'rawFailed'),
      runs: RUNS,
      downAfterMs: DOWN_AFTER_MS,
    });
  } finally {
    raw.disconnect();
    await app.close();
    await cluster.stop();
  }
});
