import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { portOpen } from '../tools/cluster/cluster-client';
import { isAlive } from '../tools/cluster/cluster-process';
import type { RedisClusterState } from '../tools/cluster/redis-cluster';

/**
 * The operator's side of the Redis Cluster kit: `npm run cluster:<command> -- --cluster` (scripts/cluster.ts,
 * tools/cluster/redis-cluster-cli.ts) on a background cluster on ports 28800-28807: up, status, a planned failover,
 * a primary's SIGKILL with its restart, adding a shard, down leaving nothing behind.
 */
jest.setTimeout(180_000);

const ROOT = join(__dirname, '..');
const BASE_PORT = 28800;
const run = promisify(execFile);
const scripts = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

describe('Redis Cluster CLI (npm run cluster:* -- --cluster)', () => {
  const home = mkdtempSync(join(tmpdir(), 'redis-cluster-home-'));
  const env = {
    ...process.env,
    CLUSTER_HOME: home,
    REDIS_CLUSTER_BASE_PORT: String(BASE_PORT),
    PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}`,
  };

  /** The command package.json declares for `npm run cluster:<command>`, with `--cluster` and `args`. */
  async function cli(command: string, ...args: string[]): Promise<string> {
    const line =
      scripts[`cluster:${command}`] ?? scripts['cluster:status'].replace(/ status$/, ` ${command}`);
    const { stdout } = await run('sh', ['-c', `${line} "$@"`, 'cli', '--cluster', ...args], {
      cwd: ROOT,
      env,
    });
    return stdout;
  }
  const state = (): RedisClusterState =>
    JSON.parse(readFileSync(join(home, 'redis-cluster.json'), 'utf8')) as RedisClusterState;

  afterAll(async () => {
    await cli('down').catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });

  it('up starts 3 primaries + 3 replicas in the background and prints the environment', async () => {
    const out = await cli('up');
    expect(out).toContain(`Local Redis Cluster up on 127.0.0.1:${BASE_PORT}-${BASE_PORT + 5}`);
    expect(out).toContain(`REDIS_CLUSTER_NODES=127.0.0.1:${BASE_PORT}`);
    expect(out.match(/^shard /gm)).toHaveLength(3);
    expect(state().nodes.every((n) => n.pid !== undefined && isAlive(n.pid))).toBe(true);
  });

  it('failover and kill-master --restart swap and replace a primary; status shows it', async () => {
    expect(await cli('failover')).toMatch(/CLUSTER FAILOVER on \d+: it answered ROLE master \d+ ms later/);
    const killed = await cli('kill-master', '--restart');
    expect(killed).toMatch(/SIGKILL primary (\d+)/);
    expect(killed).toMatch(/answered ROLE master \d+ ms after the kill/);
    expect(killed).toMatch(/restarted \(pid \d+\); a connected replica after \d+ ms/);
    const status = await cli('status');
    expect(status.match(/^ {2}replica /gm)).toHaveLength(3);
    expect(status).not.toContain('down');
  });

  it('add-shard moves slots to a 4th primary; down stops every node it started', async () => {
    const out = await cli('add-shard', '200');
    expect(out).toMatch(
      new RegExp(`primary ${BASE_PORT + 6} \\(replica ${BASE_PORT + 7}\\) added; 200 slots`),
    );
    expect(out.match(/^shard /gm)).toHaveLength(4);
    const pids = state().nodes.map((n) => n.pid!);
    expect(pids).toHaveLength(8);
    expect(await cli('down')).toContain('local Redis Cluster stopped');
    expect(pids.filter((pid) => isAlive(pid))).toEqual([]);
    for (let port = BASE_PORT; port < BASE_PORT + 8; port++)
      expect([port, await portOpen(port)]).toEqual([port, false]);
  });
});
