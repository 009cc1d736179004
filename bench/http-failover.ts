/**
 * `npm run bench:http`: the sample app (apps/sample, in this process) on a local cluster on port 27650, under
 * a steady HTTP load of 50 requests/s (half `GET /holidays/:year` over 20 years, half `POST /reports`),
 * through one SIGKILL of the master (down-after-milliseconds 2000).
 *
 * 1. The sample app: 5 s of load, SIGKILL of the master, load until 10 s after the sentinels' switch, then
 *    every report answered 202 is followed until it completes.
 * 2. Baseline, same load and fault: the same routes written without the library (one raw ioredis Sentinel
 *    client for the cache, raw BullMQ Queue/Worker on Sentinel options, all defaults: bench/lib/naive-sample.ts),
 *    after the old master is back as a replica.
 *
 * `reportsDoneAfterKillMs`: from the kill until every report whose POST was sent before the switch (those the
 * failover could hit) has completed. `reportsLost`: accepted (202) but not completed within 90 s.
 * Last line: {"requests":…,"httpErrors":…,"longestResponseMs":…,"reportsAccepted":…,"reportsLost":…,"reportsDoneAfterKillMs":…}
 * (the sample app's figures). Exits 1 when the sample app lost a report.
 *
 * `-- --cluster`: the sample app on a local Redis Cluster instead (bench/lib/http-cluster.ts).
 */
import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { createApp } from '../apps/sample/src/create-app';
import { HttpLoad, type HttpLoadSummary } from '../test/helpers/http-load';
import { LocalCluster } from '../tools/cluster/local-cluster';
import { waitUntilSettled } from '../test/helpers/old-master-watch';
import { settleReports } from '../test/helpers/report-check';
import { httpOnRedisCluster } from './lib/http-cluster';
import { createNaiveApp } from './lib/naive-sample';
import { note, printResult, runBench, sleep } from './lib/stats';

const BASE_PORT = 27650;
const RATE = 50;
const BEFORE_KILL_MS = 5_000;
const AFTER_SWITCH_MS = 10_000;
const SETTLE_MS = 90_000;

interface Run extends HttpLoadSummary {
  switchMs: number;
  reportsLost: number;
  reportsDoneAfterKillMs: number;
}

async function listen(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
}

/** The load through one SIGKILL of the master; the killed node stays down. */
async function throughKill(
  cluster: LocalCluster,
  url: string,
  label: string,
): Promise<Run & { killed: number }> {
  const load = new HttpLoad({ baseUrl: url, ratePerSecond: RATE }).start();
  await sleep(BEFORE_KILL_MS);
  const switched = cluster.nextSwitch(60_000);
  await switched.ready;
  const { port: killed, at } = await cluster.killMaster();
  const sw = await switched;
  note(`${label}: master ${killed} killed, +switch-master to ${sw.to} after ${sw.at - at} ms`);
  await sleep(AFTER_SWITCH_MS);
  const summary = await load.stop();
  const accepted = load.accepted();
  note(
    `${label}: ${summary.requests} requests, statuses ${JSON.stringify(summary.statuses)}; following ${accepted.length} reports`,
  );
  const reports = await settleReports(
    url,
    accepted.map((a) => a.id),
    SETTLE_MS,
  );
  const exposed = accepted
    .filter((a) => a.sentAt <= sw.at)
    .map((a) => reports.completed.get(a.id) ?? Infinity);
  const lost = reports.lost.length + reports.failed.length + reports.pending.length;
  const doneAfterKill = Math.max(...exposed) - at;
  note(
    `${label}: httpErrors ${summary.httpErrors} (holidays ${summary.holidaysErrors}, reports ${summary.reportErrors}), ` +
      `longest ${summary.longestResponseMs} ms (holidays ${summary.longestHolidaysMs}, reports ${summary.longestReportMs}), ` +
      `x-cache ${JSON.stringify(summary.cache)}, reports lost ${lost}` +
      `${reports.pending.length ? ` (${reports.pending.length} still pending)` : ''}, ` +
      `reports sent before the switch done ${Number.isFinite(doneAfterKill) ? `${doneAfterKill} ms` : 'never'} after the kill`,
  );
  return {
    ...summary,
    killed,
    switchMs: sw.at - at,
    reportsLost: lost,
    reportsDoneAfterKillMs: doneAfterKill,
  };
}

async function main(): Promise<void> {
  const cluster = await LocalCluster.start({
    basePort: BASE_PORT,
    downAfterMs: 2000,
    failoverTimeoutMs: 5000,
  });
  let app: INestApplication | undefined;
  try {
    const env = {
      ...cluster.env(),
      REDIS_KEY_PREFIX: 'app:',
      CACHE_TTL_HOLIDAYS: '3600',
      LOG_LEVEL: 'error',
    };
    app = await createApp({ env });
    const sample = await throughKill(cluster, await listen(app), 'sample app');
    await app.close();
    app = undefined;

    await cluster.startNode(sample.killed);
    await waitUntilSettled(cluster, 60_000);
    app = await createNaiveApp(cluster);
    const naive = await throughKill(cluster, await listen(app), 'baseline (raw ioredis + BullMQ)');
    note(
      `baseline vs sample app: httpErrors ${naive.httpErrors} vs ${sample.httpErrors}, longest ${naive.longestResponseMs} ` +
        `vs ${sample.longestResponseMs} ms, reports lost ${naive.reportsLost} vs ${sample.reportsLost}`,
    );
    printResult({
      requests: sample.requests,
      httpErrors: sample.httpErrors,
      longestResponseMs: sample.longestResponseMs,
      reportsAccepted: sample.reportsAccepted,
      reportsLost: sample.reportsLost,
      reportsDoneAfterKillMs: sample.reportsDoneAfterKillMs,
    });
    if (sample.reportsLost > 0) throw new Error(`the sample app lost ${sample.reportsLost} accepted reports`);
  } finally {
    await app?.close();
    await cluster.stop();
  }
}

runBench(process.argv.includes('--cluster') ? httpOnRedisCluster : main);
