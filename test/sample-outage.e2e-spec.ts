import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { poll, query } from '../tools/cluster/cluster-client';
import { LocalCluster } from '../tools/cluster/local-cluster';
import { waitUntilSettled } from './helpers/old-master-watch';
import { settleReports } from './helpers/report-check';
import { sampleEnv, startSampleApp, type SampleApp } from './helpers/sample-app';
import { spawnSample, type SampleProcess } from './helpers/sample-process';

/**
 * The sample app, as its own process (`apps/sample/src/main.ts`), through what is worse than a failover
 * (issue 7): two sentinels down (no failover possible), the whole cluster down and back, and a backup
 * restored into a fresh cluster. A process of its own, because "the app never crashes" is then its exit code.
 */
const BASE_PORT = 27510;
const RESTORE_PORT = 27520;
const APP_PORT = 27560;
jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

async function request(base: string, path: string, body?: unknown): Promise<Answer> {
  try {
    const res = await fetch(`${base}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text, headers: res.headers };
  } catch (err) {
    return { status: 0, body: String(err), headers: new Headers() };
  }
}

/** Asks live, ready and a cached year every 200 ms, keeping every answer (what a kubelet and a user see). */
function probe(base: string) {
  const seen: Array<{ at: number; live: number; ready: number; holidays: number; cache: string | null }> = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const [live, ready, holidays] = await Promise.all([
        request(base, '/health/live'),
        request(base, '/health/ready'),
        request(base, '/holidays/2026'),
      ]);
      seen.push({
        at: Date.now(),
        live: live.status,
        ready: ready.status,
        holidays: holidays.status,
        cache: holidays.headers.get('x-cache'),
      });
      await sleep(200);
    }
  })();
  return {
    seen,
    stop: async () => {
      running = false;
      await loop;
      return seen;
    },
  };
}

/** A key's content in a form that compares equal across servers (DUMP does not: hash tables iterate by seed). */
async function contentOf(client: Redis, key: string): Promise<string> {
  const type = await client.type(key);
  const sorted = (values: string[]) => JSON.stringify([...values].sort());
  switch (type) {
    case 'string':
      return `string ${await client.get(key)}`;
    case 'hash':
      return `hash ${sorted(Object.entries(await client.hgetall(key)).map(([f, v]) => `${f}=${v}`))}`;
    case 'list':
      return `list ${JSON.stringify(await client.lrange(key, 0, -1))}`;
    case 'set':
      return `set ${sorted(await client.smembers(key))}`;
    case 'zset':
      return `zset ${JSON.stringify(await client.zrange(key, '0', '-1', 'WITHSCORES'))}`;
    case 'stream':
      return `stream ${JSON.stringify(await client.xrange(key, '-', '+'))}`;
    default:
      return type;
  }
}

/** Every key of db0 with its content, skipping keys about to expire (locks, markers) that may not survive. */
async function snapshot(client: Redis): Promise<Map<string, string>> {
  const data = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const ttl = await client.pttl(key);
      if (ttl >= 0 && ttl < 60_000) continue;
      data.set(key, await contentOf(client, key));
    }
  } while (cursor !== '0');
  return data;
}

describe('sample app process through outages', () => {
  let cluster: LocalCluster;
  let app: SampleProcess;
  let restored: LocalCluster | undefined;
  let restoredApp: SampleApp | undefined;
  const backupDir = mkdtempSync(join(tmpdir(), 'sample-backup-'));
  /** Reports accepted along the way, checked again after the outage and in the restored cluster. */
  const reportIds: string[] = [];
  /** Printed at the end: the figures for the README. */
  const figures: Record<string, Record<string, number>> = {};

  async function acceptReports(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const res = await request(app.url, '/reports', { month: `2025-${String(i + 1).padStart(2, '0')}` });
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    const outcome = await settleReports(app.url, ids, 15_000);
    expect(outcome.completed.size).toBe(count);
    reportIds.push(...ids);
    return ids;
  }

  beforeAll(async () => {
    cluster = await LocalCluster.start({ basePort: BASE_PORT, downAfterMs: 2000, failoverTimeoutMs: 5000 });
    // A short retry window: while nothing can take a report, answer 503 after ~1.5 s rather than after 10.
    // An add waits at most QUEUE_ADD_TIMEOUT_MS for a master (then it did not happen): the window bounds the rest.
    app = await spawnSample(
      sampleEnv(cluster, { REPORTS_RETRY_WINDOW_MS: '1000', QUEUE_ADD_TIMEOUT_MS: '1500' }),
      APP_PORT,
    );
  });

  afterAll(async () => {
    await app?.stop('SIGKILL');
    await restoredApp?.close();
    await restored?.stop();
    await cluster?.stop();
    rmSync(backupDir, { recursive: true, force: true });
    console.log(`sample outage figures ${JSON.stringify(figures)}`);
  });

  it('two sentinels down: no failover; /health says why, holidays still answer; the restarted master is used once a majority of sentinels answers', async () => {
    await waitUntilSettled(cluster);
    await acceptReports(3);
    await cluster.stopSentinel(1);
    await cluster.stopSentinel(2);
    try {
      const health = await poll(
        '/health to report the lost quorum',
        async () => {
          const h = await request(app.url, '/health');
          return h.body?.details?.sentinels?.status === 'down' ? h : undefined;
        },
        10_000,
        200,
      );
      expect(health.status).toBe(503);
      expect(health.body.details.sentinels).toMatchObject({ reachable: 1, quorumOk: false });
      // The master is fine: the app still serves everything, and says it is ready.
      expect((await request(app.url, '/health/ready')).status).toBe(200);
      expect((await request(app.url, '/reports', { month: '2026-01' })).status).toBe(202);

      const master = await cluster.master();
      const noSwitch = cluster.nextSwitch(9_000);
      await noSwitch.ready;
      const watch = probe(app.url);
      await cluster.killMaster();
      // down-after 2000 + a failover's ~1.5 s, twice over: a switch would have happened by now.
      await expect(noSwitch).rejects.toThrow(/no \+switch-master/);
      const refused = await request(app.url, '/reports', { month: '2026-02' });
      expect([refused.status, refused.headers.get('retry-after')]).toEqual([503, '1']);
      const report = await request(app.url, '/health');
      expect(report.status).toBe(503);
      expect(report.body.details.sentinels.problems.join(' ')).toMatch(/quorum lost/);
      expect(report.body.error.redis).toMatchObject({ status: 'down' });

      // The master comes back while 2 of 3 sentinels are still down. The library does not reconnect on the word
      // of one sentinel (a lone sentinel may be cut off with an old master, the majority having promoted
      // another): the app stays unready, and reports are refused, until a majority of sentinels answers.
      await cluster.startNode(master);
      await sleep(3_000);
      expect((await request(app.url, '/health/ready')).status).toBe(503);
      const sentinelsBackAt = Date.now();
      await cluster.startSentinel(1);
      await cluster.startSentinel(2);
      await poll(
        'ready again',
        async () => (await request(app.url, '/health/ready')).status === 200,
        20_000,
        200,
      );
      const readyAfterMs = Date.now() - sentinelsBackAt;
      const seen = await watch.stop();
      figures['two-sentinels-down'] = { probes: seen.length, readyAfterSentinelsBackMs: readyAfterMs };
      expect(seen.every((s) => s.live === 200 && s.holidays === 200)).toBe(true);
      expect(seen.some((s) => s.ready === 503 && s.cache === 'fallback')).toBe(true);
      // Ready means the writer answers and is a master. With min-replicas-to-write 1 the restarted master takes
      // writes once a replica has resynced from it, which a slow machine takes longer than the 1 s retry window
      // of /reports to do: reports come back then.
      await poll(
        'a replica in sync with the restarted master',
        async () =>
          /state=online/.test(await query<string>(master, cluster.adminCredentials(), 'INFO', 'replication')),
        20_000,
        200,
      );
      await acceptReports(1);
    } finally {
      for (const index of [1, 2]) await cluster.startSentinel(index).catch(() => undefined); // no-op when up
    }
  });

  it('whole cluster down and back: never exits, live stays 200, ready follows the cluster, recovers without a restart', async () => {
    await waitUntilSettled(cluster);
    await acceptReports(3);
    await sleep(1_500); // appendfsync everysec: the reports are in every node's AOF
    const watch = probe(app.url);
    await sleep(1_000);
    const downAt = Date.now();
    const ports = [...cluster.sentinelPorts, ...cluster.redisPorts];
    await Promise.all(ports.map((port) => cluster.stopNode(port, 'SIGKILL')));
    await sleep(6_000);
    const refused = await request(app.url, '/reports', { month: '2026-03' });
    expect(refused.status).toBe(503);
    const upAt = Date.now();
    for (const port of [...cluster.redisPorts, ...cluster.sentinelPorts]) await cluster.startNode(port);
    await poll(
      'ready again',
      async () => (await request(app.url, '/health/ready')).status === 200,
      30_000,
      200,
    );
    const readyAfterMs = Date.now() - upAt;
    await sleep(1_000);
    const seen = await watch.stop();

    expect(app.child.exitCode).toBeNull();
    expect(seen.filter((s) => s.live !== 200)).toEqual([]);
    expect(seen.filter((s) => s.holidays !== 200)).toEqual([]);
    const during = seen.filter((s) => s.at > downAt + 1_500 && s.at < upAt);
    expect(during.length).toBeGreaterThan(10);
    expect(during.filter((s) => s.ready !== 503)).toEqual([]);
    expect(during.filter((s) => s.cache !== 'fallback')).toEqual([]);
    expect(seen[seen.length - 1]).toMatchObject({ ready: 200 });
    expect(readyAfterMs).toBeLessThan(20_000);
    figures['whole-cluster-down'] = {
      probes: seen.length,
      outageMs: upAt - downAt,
      readyAfterRestartMs: readyAfterMs,
      liveNot200: seen.filter((s) => s.live !== 200).length,
    };

    // Without a restart: new reports are taken and done, the earlier ones are still there (AOF).
    await acceptReports(2);
    const earlier = await settleReports(app.url, reportIds, 10_000);
    expect(earlier.completed.size).toBe(new Set(reportIds).size);
    // Structured logs: every line the process wrote is one JSON object.
    const notJson = app.lines.filter((line) => {
      try {
        return typeof JSON.parse(line) !== 'object';
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
  });

  it('backup and restore: BGSAVE, copy, a fresh cluster from the copy holds the same data and serves it', async () => {
    await waitUntilSettled(cluster);
    const holidays = await request(app.url, '/holidays/2030');
    expect(holidays.status).toBe(200);
    // SIGTERM: the app drains and exits by itself, so nothing writes while the backup is taken.
    const exit = await app.stop('SIGTERM');
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);

    const file = join(backupDir, 'dump.rdb');
    const backup = await cluster.backup(file);
    const source = cluster.admin(backup.port);
    const before = await snapshot(source);
    source.disconnect();
    expect(reportIds.filter((id) => !before.has(`{bull}:reports:${id}`))).toEqual([]);
    expect(
      [...before.keys()].filter((key) => key.startsWith('cache:') && key.endsWith('holidays:2030')),
    ).toHaveLength(1);

    restored = await LocalCluster.start({
      basePort: RESTORE_PORT,
      downAfterMs: 2000,
      failoverTimeoutMs: 5000,
      restoreFrom: file,
    });
    const target = restored.admin(await restored.master());
    const after = await snapshot(target);
    target.disconnect();
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    expect([...after].filter(([key, content]) => before.get(key) !== content).map(([key]) => key)).toEqual(
      [],
    );

    restoredApp = await startSampleApp(sampleEnv(restored));
    const reports = await settleReports(restoredApp.url, reportIds, 10_000);
    expect(reports.completed.size).toBe(new Set(reportIds).size);
    const cached = await request(restoredApp.url, '/holidays/2030');
    expect([cached.headers.get('x-cache'), cached.body]).toEqual(['hit', holidays.body]);
  });
});
