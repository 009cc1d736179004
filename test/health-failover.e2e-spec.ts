import { LocalCluster } from '../tools/cluster/local-cluster';
import { get, sleep, startHealthApp, waitUntil, type HealthApp } from './health-e2e.helpers';
import { parsePrometheusText, sampleValue } from './metrics-text.helpers';

// testTimeout in jest.config.js sits in a project, where Jest ignores it: failovers take longer than 5 s.
jest.setTimeout(180_000);

const TIMEOUT_MS = 1000;

interface Probe {
  path: string;
  startedAt: number;
  endedAt: number;
  status: number;
}

/** Polls `paths` every `everyMs` until stopped, recording each answer with its wall-clock times. */
function pollEndpoints(
  base: string,
  paths: string[],
  everyMs = 50,
): { probes: Probe[]; stop(): Promise<void> } {
  const probes: Probe[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      await Promise.all(
        paths.map(async (path) => {
          const startedAt = Date.now();
          const res = await get(base, path, 5000);
          probes.push({ path, startedAt, endedAt: Date.now(), status: res.status });
        }),
      );
      await sleep(everyMs);
    }
  })();
  return {
    probes,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

function figure(line: string): void {
  if (process.env.HEALTH_E2E_FIGURES) process.stdout.write(`${line}\n`);
}

async function failovers(base: string): Promise<number> {
  const res = await get(base, '/metrics');
  expect(res.status).toBe(200);
  return sampleValue(parsePrometheusText(res.text), 'redis_ha_failovers_total') ?? NaN;
}

describe('health through failovers (real cluster)', () => {
  let cluster: LocalCluster;
  let h: HealthApp | undefined;

  beforeAll(async () => {
    cluster = await LocalCluster.start({ basePort: 27410, downAfterMs: 2000, failoverTimeoutMs: 5000 });
    await cluster.waitUntilHealthy();
    h = await startHealthApp({
      ...cluster.env(),
      REDIS_KEY_PREFIX: 'app:',
      HEALTH_TIMEOUT_MS: String(TIMEOUT_MS),
      HEALTH_SHUTDOWN_DELAY_MS: '0',
    });
  });

  afterAll(async () => {
    await h?.close().catch(() => undefined);
    await cluster?.stop();
  });

  it('SIGKILL of the master: ready 503 within HEALTH_TIMEOUT_MS + 1 s, 200 after the failover, live 200 throughout', async () => {
    expect((await get(h!.url, '/health/ready')).status).toBe(200);
    const before = await failovers(h!.url);
    const poll = pollEndpoints(h!.url, ['/health/ready', '/health/live']);
    await sleep(300);
    const killed = await cluster.killMaster();
    const switched = await cluster.waitForSwitch(killed.port, 30_000);
    await waitUntil('ready 200 after the failover', async () =>
      poll.probes.some((p) => p.path === '/health/ready' && p.startedAt > switched.at && p.status === 200),
    );
    await sleep(300);
    await poll.stop();

    const ready = poll.probes.filter((p) => p.path === '/health/ready');
    const firstDown = ready.find((p) => p.status === 503 && p.endedAt >= killed.at);
    expect(firstDown).toBeDefined();
    const back = ready.find((p) => p.status === 200 && p.startedAt > switched.at)!;
    figure(
      `kill -> ready 503: ${firstDown!.endedAt - killed.at} ms; kill -> switch: ${switched.at - killed.at} ms; switch -> ready 200: ${back.endedAt - switched.at} ms`,
    );
    expect(firstDown!.endedAt - killed.at).toBeLessThanOrEqual(TIMEOUT_MS + 1000);
    expect(ready.filter((p) => p.endedAt < killed.at).every((p) => p.status === 200)).toBe(true);
    const live = poll.probes.filter((p) => p.path === '/health/live');
    expect(live.length).toBeGreaterThan(10);
    expect(live.filter((p) => p.status !== 200)).toEqual([]);

    const report = await get(h!.url, '/health/ready');
    expect(report.body.details.redis).toMatchObject({ status: 'up', address: `127.0.0.1:${switched.port}` });
    // One switch, one count: also a little later, once every sentinel has announced the switch.
    await sleep(1500);
    expect(await failovers(h!.url)).toBe(before + 1);

    // Bring the old master back as a replica for the next case.
    await cluster.startNode(killed.port);
    await cluster.waitForRole(killed.port, 'slave', 40_000);
  });

  it('a manual SENTINEL FAILOVER counts one more failover, and ready is 200 on the new master', async () => {
    const before = await failovers(h!.url);
    const old = await cluster.master();
    await cluster.failover();
    const switched = await cluster.waitForSwitch(old, 30_000);
    await waitUntil('ready 200 on the new master', async () => {
      const res = await get(h!.url, '/health/ready');
      return res.status === 200 && res.body.details.redis.address === `127.0.0.1:${switched.port}`;
    });
    await sleep(1500);
    expect(await failovers(h!.url)).toBe(before + 1);
  });
});
