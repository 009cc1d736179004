/**
 * `npm run bench:http -- --cluster`: the sample app, unchanged, on a local Redis Cluster (3 primaries with 2
 * replicas each, as the Sentinel kit has 2: the sample's report adds are confirmed by a replica, which a shard
 * with one replica lacks once its primary died; cluster-node-timeout 2000, port 27680), under the same HTTP load as on Sentinel (50 requests/s, half
 * `GET /holidays/:year`, half `POST /reports`), through a SIGKILL of the primary of the shard that holds the
 * reports queue (the worst place for a kill: its jobs, their locks and the worker's blocking read are there).
 * The other shards serve the cache meanwhile. Every report answered 202 is followed until it completes.
 *
 * Last line: {"requests":…,"httpErrors":…,"longestResponseMs":…,"reportsAccepted":…,"reportsLost":…,
 * "reportsDoneAfterKillMs":…,"promoteMs":…}. Exits 1 when a report was lost or a request failed.
 */
import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../apps/sample/src/create-app';
import { HttpLoad } from '../../test/helpers/http-load';
import { settleReports } from '../../test/helpers/report-check';
import { primaryHolding } from '../../test/helpers/shard-load';
import { LocalRedisCluster } from '../../tools/cluster/redis-cluster';
import { note, printResult, sleep } from './stats';

const BASE_PORT = 27680;
const RATE = 50;
const BEFORE_KILL_MS = 5_000;
const AFTER_PROMOTION_MS = 10_000;
const SETTLE_MS = 90_000;

export async function httpOnRedisCluster(): Promise<void> {
  const cluster = await LocalRedisCluster.start({
    basePort: BASE_PORT,
    nodeTimeoutMs: 2000,
    replicasPerPrimary: 2,
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
    await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const load = new HttpLoad({ baseUrl: url, ratePerSecond: RATE }).start();
    await sleep(BEFORE_KILL_MS);
    const victim = await primaryHolding(cluster, '*reports*:id'); // BullMQ's id counter of the queue
    const { at } = await cluster.kill(victim);
    const { promotedPort, promotedAt } = await cluster.waitForPromotion(victim);
    note(
      `primary ${victim} (reports queue) killed; replica ${promotedPort} promoted after ${promotedAt - at} ms`,
    );
    await sleep(AFTER_PROMOTION_MS);
    const summary = await load.stop();
    const accepted = load.accepted();
    const reports = await settleReports(
      url,
      accepted.map((a) => a.id),
      SETTLE_MS,
    );
    const lost = reports.lost.length + reports.failed.length + reports.pending.length;
    const exposed = accepted
      .filter((a) => a.sentAt <= promotedAt)
      .map((a) => reports.completed.get(a.id) ?? Infinity);
    const doneAfterKill = Math.max(...exposed) - at;
    note(
      `${summary.requests} requests, statuses ${JSON.stringify(summary.statuses)}, httpErrors ${summary.httpErrors}, ` +
        `longest ${summary.longestResponseMs} ms, x-cache ${JSON.stringify(summary.cache)}, ` +
        `${accepted.length} reports accepted, ${lost} lost, those sent before the promotion done ${doneAfterKill} ms after the kill`,
    );
    printResult({
      requests: summary.requests,
      httpErrors: summary.httpErrors,
      longestResponseMs: summary.longestResponseMs,
      reportsAccepted: summary.reportsAccepted,
      reportsLost: lost,
      reportsDoneAfterKillMs: doneAfterKill,
      promoteMs: promotedAt - at,
    });
    if (lost > 0 || summary.httpErrors > 0) {
      throw new Error(
        `on the cluster the sample app lost ${lost} reports and failed ${summary.httpErrors} requests`,
      );
    }
  } finally {
    await app?.close();
    await cluster.stop();
  }
}
