import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { portOpen } from '../tools/cluster/cluster-client';
import { isAlive } from '../tools/cluster/cluster-process';
import type { ClusterState } from '../tools/cluster/local-cluster';

/**
 * `npm run demo` as a developer runs it: the command package.json declares, in its own process group (what a
 * terminal's Ctrl-C signals), with a temp CLUSTER_HOME so it never touches a developer's cluster. It must
 * start the cluster when none runs, serve the sample app, print the URLs and the failover how-to, and on
 * SIGINT leave nothing it started behind; a cluster that was already running stays up.
 */
const BASE_PORT = 27530;
const APP_PORT = 27570;
/** `npm run demo -- --cluster`: its Redis Cluster's 6 nodes (their buses 10000 below). */
const REDIS_CLUSTER_BASE_PORT = 27540;
const ROOT = join(__dirname, '..');
const run = promisify(execFile);
jest.setTimeout(120_000);

const scripts = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

describe('npm run demo', () => {
  const home = mkdtempSync(join(tmpdir(), 'demo-home-'));
  const env = {
    ...process.env,
    CLUSTER_HOME: home,
    CLUSTER_BASE_PORT: String(BASE_PORT),
    REDIS_CLUSTER_BASE_PORT: String(REDIS_CLUSTER_BASE_PORT),
    PORT: String(APP_PORT),
    PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}`,
  };
  const clusterPorts = [0, 1, 2, 3, 4, 5].map((i) => BASE_PORT + i);
  const state = (): ClusterState =>
    JSON.parse(readFileSync(join(home, 'state.json'), 'utf8')) as ClusterState;
  let demo: ChildProcess | undefined;

  /** Starts the demo and resolves with its output once it printed the app's URL. */
  function startDemo(
    extraArgs: string[] = [],
  ): Promise<{ url: string; output: () => string; exited: Promise<number | null> }> {
    let out = '';
    // The declared command itself, not through a shell: a shell would die of the SIGINT at once and hide the
    // demo's own exit code (ts-node's bin is node running the script in-process).
    const [command, ...args] = scripts.demo.split(' ');
    demo = spawn(command, [...args, ...extraArgs], {
      cwd: ROOT,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    demo.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => demo!.once('exit', (code) => resolve(code)));
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const timer = setInterval(() => {
        const url = /Sample app on (http:\/\/\S+)/.exec(out)?.[1];
        if (url) {
          clearInterval(timer);
          resolve({ url, output: () => out, exited });
        } else if (demo!.exitCode !== null || Date.now() - started > 90_000) {
          clearInterval(timer);
          reject(new Error(`the demo did not start:\n${out}`));
        }
      }, 100);
    });
  }

  /** Ctrl-C: SIGINT to the demo's process group, then waits for it to exit. */
  async function interrupt(exited: Promise<number | null>): Promise<number | null> {
    process.kill(-demo!.pid!, 'SIGINT');
    const code = await exited;
    demo = undefined;
    return code;
  }

  async function cli(command: string): Promise<string> {
    const { stdout } = await run('sh', ['-c', scripts[`cluster:${command}`]], { cwd: ROOT, env });
    return stdout;
  }

  afterAll(async () => {
    if (demo?.pid) process.kill(-demo.pid, 'SIGKILL');
    if (existsSync(join(home, 'state.json'))) await cli('down');
    rmSync(home, { recursive: true, force: true });
  });

  it('starts the cluster, serves the app, prints the URLs and the failover how-to; Ctrl-C stops all of it', async () => {
    expect(await portOpen(BASE_PORT)).toBe(false);
    const { url, output, exited } = await startDemo();
    expect(url).toBe(`http://localhost:${APP_PORT}`);
    expect(output()).toContain('npm run cluster:kill-master');
    expect(output()).toContain(`${url}/holidays/2026`);
    const ready = await fetch(`http://127.0.0.1:${APP_PORT}/health/ready`);
    expect(ready.status).toBe(200);
    const holidays = await fetch(`http://127.0.0.1:${APP_PORT}/holidays/2026`);
    expect([holidays.status, holidays.headers.get('x-cache')]).toEqual([200, 'miss']);

    const pids = state().processes.map((p) => p.pid!);
    expect(pids.filter((pid) => isAlive(pid))).toHaveLength(6);
    const demoPid = demo!.pid!;
    expect(await interrupt(exited)).toBe(0);
    expect(output()).toContain('stopping the sample app and the local cluster it started');
    expect(pids.filter((pid) => isAlive(pid))).toEqual([]);
    // Its whole process group is gone, and nothing listens on its ports any more.
    expect(() => process.kill(-demoPid, 0)).toThrow();
    for (const port of [...clusterPorts, APP_PORT])
      expect([port, await portOpen(port)]).toEqual([port, false]);
    expect(existsSync(join(home, 'state.json'))).toBe(false);
  });

  it('uses a cluster that already runs and leaves it running', async () => {
    await cli('up');
    const pids = state().processes.map((p) => p.pid!);
    const { output, exited } = await startDemo();
    expect(output()).toContain('already running');
    expect((await fetch(`http://127.0.0.1:${APP_PORT}/health/ready`)).status).toBe(200);
    expect(await interrupt(exited)).toBe(0);
    expect(output()).toContain('it stays up');
    expect(await portOpen(APP_PORT)).toBe(false);
    expect(pids.filter((pid) => isAlive(pid))).toHaveLength(6);
    expect(await cli('down')).toContain('stopped');
  });

  it('-- --cluster: the same app on a Redis Cluster it starts, and Ctrl-C stops both', async () => {
    const { url, output, exited } = await startDemo(['--cluster']);
    expect(output()).toContain('local Redis Cluster 127.0.0.1:27540-27545, started by this demo');
    expect(output()).toContain('npm run cluster:kill-master -- --cluster');
    expect((await fetch(`http://127.0.0.1:${APP_PORT}/health/ready`)).status).toBe(200);
    const holidays = await fetch(`http://127.0.0.1:${APP_PORT}/holidays/2026`);
    expect([holidays.status, holidays.headers.get('x-cache')]).toEqual([200, 'miss']);
    const report = await fetch(`${url.replace('localhost', '127.0.0.1')}/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ month: '2026-05' }),
    });
    expect(report.status).toBe(202);
    expect(await portOpen(REDIS_CLUSTER_BASE_PORT)).toBe(true);
    expect(await interrupt(exited)).toBe(0);
    expect(output()).toContain('stopping the sample app and the local cluster it started');
    for (let port = REDIS_CLUSTER_BASE_PORT; port < REDIS_CLUSTER_BASE_PORT + 6; port++)
      expect([port, await portOpen(port)]).toEqual([port, false]);
  });
});
