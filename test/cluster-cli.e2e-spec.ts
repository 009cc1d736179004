import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { poll, portOpen, query } from '../tools/cluster/cluster-client';
import { isAlive } from '../tools/cluster/cluster-process';
import { LocalCluster, type ClusterState } from '../tools/cluster/local-cluster';

/**
 * The operator's side of the cluster kit: `npm run cluster:*` (scripts/cluster.ts) on a background cluster,
 * and the launcher's promise to leave no process behind however the process that started it ends.
 */
jest.setTimeout(120_000);

const ROOT = join(__dirname, '..');
const CLI_PORT = 27010;
const run = promisify(execFile);

describe('cluster CLI (scripts/cluster.ts)', () => {
  const home = mkdtempSync(join(tmpdir(), 'cluster-home-'));
  const env = { ...process.env, CLUSTER_HOME: home, CLUSTER_BASE_PORT: String(CLI_PORT) };
  const ports = [0, 1, 2, 3, 4, 5].map((i) => CLI_PORT + i);

  /** Runs the command package.json declares for `npm run cluster:<command>` (start-node has no script). */
  const scripts = (
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts;
  async function cli(command: string, ...args: string[]): Promise<{ code: number; out: string }> {
    const line =
      scripts[`cluster:${command}`] ?? scripts['cluster:status'].replace(/ status$/, ` ${command}`);
    const pathEnv = `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}`;
    try {
      const { stdout } = await run('sh', ['-c', `${line} "$@"`, 'cli', ...args], {
        cwd: ROOT,
        env: { ...env, PATH: pathEnv },
      });
      return { code: 0, out: stdout };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, out: `${e.stdout}${e.stderr}` };
    }
  }

  const state = (): ClusterState =>
    JSON.parse(readFileSync(join(home, 'state.json'), 'utf8')) as ClusterState;

  afterAll(async () => {
    await cli('down');
    rmSync(home, { recursive: true, force: true });
  });

  it('cluster:up starts 6 live processes in the background and prints the env to use', async () => {
    const { code, out } = await cli('up');
    expect(code).toBe(0);
    expect(out).toContain(
      `REDIS_SENTINEL_HOSTS=127.0.0.1:${CLI_PORT + 3},127.0.0.1:${CLI_PORT + 4},127.0.0.1:${CLI_PORT + 5}`,
    );
    expect(out).toContain('REDIS_USERNAME=app');
    const pids = state().processes.map((p) => p.pid!);
    expect(new Set(pids).size).toBe(6);
    for (const pid of pids) expect(isAlive(pid)).toBe(true);
    expect(readFileSync(join(home, 'env'), 'utf8')).toContain('REDIS_MASTER_NAME=mymaster');
    // still running after the command exited, and a second `up` reuses it
    const again = await cli('up');
    expect(again.out).toContain('already running');
    expect(state().processes.map((p) => p.pid)).toEqual(pids);
  });

  it('cluster:status and cluster:health report the roles and every check', async () => {
    const status = await cli('status');
    expect(status.out.match(/replica of 27010 {2}link up/g)).toHaveLength(2);
    expect(
      status.out.match(/master 27010 {2}epoch 0 {2}replicas 2 {2}other sentinels 2 {2}quorum OK/g),
    ).toHaveLength(3);
    const health = await cli('health');
    expect(health.code).toBe(0);
    expect(health.out).toContain('healthy');
    const sentinels = await cli('sentinel-status');
    expect(sentinels.out.match(/OK 3 usable Sentinels/g)).toHaveLength(3);
  });

  it('cluster:health fails (exit 1) and names the problem when a replica is down', async () => {
    const cluster = LocalCluster.attach(state());
    await cluster.stopNode(CLI_PORT + 2);
    const health = await cli('health');
    expect(health.code).toBe(1);
    expect(health.out).toMatch(/FAIL {2}processes: down: redis 27012/);
    expect((await cli('start-node', String(CLI_PORT + 2))).out).toMatch(/^started 27012 \(pid \d+\)/);
    await LocalCluster.attach(state()).waitForRole(CLI_PORT + 2, 'slave', 15_000);
    expect((await cli('health')).code).toBe(0);
  });

  it('cluster:backup then cluster:restore brings the same data back in a fresh cluster', async () => {
    const cluster = LocalCluster.attach(state());
    const app = cluster.appCredentials();
    for (let i = 0; i < 100; i++) await query(CLI_PORT, app, 'SET', `app:backup:${i}`, `v${i}`);
    const file = join(home, 'backup.rdb');
    const backup = await cli('backup', file);
    expect(backup.out).toMatch(/BGSAVE on master 27010: \d+ keys/);
    expect((await cli('down')).out).toContain('stopped');
    const restored = await cli('restore', file);
    expect(restored.code).toBe(0);
    const fresh = LocalCluster.attach(state());
    for (const port of fresh.redisPorts) {
      await poll(
        `app:backup:99 on ${port}`,
        async () => (await query(port, app, 'GET', 'app:backup:99')) === 'v99',
        5_000,
      );
      await expect(query(port, app, 'GET', 'app:backup:0')).resolves.toBe('v0');
    }
  });

  it('cluster:down leaves no process and no data behind, and a second up works right after', async () => {
    const { processes, dir } = state();
    expect((await cli('down')).out).toContain('stopped');
    for (const p of processes) expect(isAlive(p.pid!)).toBe(false);
    for (const port of ports) expect(await portOpen(port)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(join(home, 'state.json'))).toBe(false);
    expect((await cli('down')).out).toContain('no local cluster was running');

    const up = await cli('up');
    expect(up.code).toBe(0);
    expect(up.out).toContain('Local HA cluster up');
    expect((await cli('health')).code).toBe(0);
    expect((await cli('down')).out).toContain('stopped');
  });
});

describe('launcher cleanup when its process ends without stop()', () => {
  function child(basePort: number, how: 'wait' | 'crash' | 'exit') {
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/helpers/cluster-child.ts', String(basePort), how],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const started = new Promise<{ pids: number[]; dir: string }>((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (chunk) => {
        out += chunk;
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
      });
      proc.once('exit', (code) =>
        reject(new Error(`child exited (${code}) before the cluster was up: ${out}`)),
      );
    });
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    return { proc, started, exited };
  }

  it('kills exactly its processes and removes its dir on SIGINT, SIGTERM, a crash and process.exit()', async () => {
    const endings = [
      { basePort: 27020, mode: 'wait', signal: 'SIGINT' },
      { basePort: 27030, mode: 'wait', signal: 'SIGTERM' },
      { basePort: 27040, mode: 'crash' },
      { basePort: 27050, mode: 'exit' },
    ] as const;
    // in parallel: each child spends most of its time compiling TypeScript
    await Promise.all(
      endings.map(async (ending) => {
        const { proc, started, exited } = child(ending.basePort, ending.mode);
        const { pids, dir } = await started;
        expect(pids.every(isAlive)).toBe(true);
        if ('signal' in ending) proc.kill(ending.signal);
        await exited;
        await poll(
          `the processes of ${ending.basePort} to exit`,
          async () => pids.every((pid) => !isAlive(pid)),
          5_000,
        );
        expect(existsSync(dir)).toBe(false);
      }),
    );
  });

  it('says how to install Redis when the binaries are missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(LocalCluster.start({ basePort: 27060 })).rejects.toThrow(
        /redis-server.*not found.*apt-get install -y redis-server redis-sentinel redis-tools.*npm run setup/s,
      );
    } finally {
      process.env.PATH = path;
    }
  });
});
