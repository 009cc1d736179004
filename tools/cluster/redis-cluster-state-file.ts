import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLUSTER_HOME } from './cluster-state-file';
import { LocalRedisCluster, type RedisClusterOptions, type RedisClusterState } from './redis-cluster';

/**
 * The background Redis Cluster of `npm run cluster:up -- --cluster`, next to the Sentinel kit's state in
 * `.cluster/` (CLUSTER_HOME) but in files of its own, so both kits can run side by side and `down` of one never
 * touches the other: redis-cluster.json (pids, dirs, ports, passwords: mode 600), redis-cluster.env (the
 * library's variables) and redis-cluster-data/ (the node dirs).
 */
export const REDIS_CLUSTER_STATE_PATH = join(CLUSTER_HOME, 'redis-cluster.json');
export const REDIS_CLUSTER_ENV_PATH = join(CLUSTER_HOME, 'redis-cluster.env');
export const REDIS_CLUSTER_DATA_DIR = join(CLUSTER_HOME, 'redis-cluster-data');
/**
 * Ports 6400-6405 (bus 16400-16405) unless REDIS_CLUSTER_BASE_PORT says otherwise: clear of the Sentinel kit's
 * 6390-6395, and of 7000, the usual cluster example port, which macOS' AirPlay receiver holds.
 */
export const DEFAULT_REDIS_CLUSTER_BASE_PORT = 6400;

function writePrivate(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function saveRedisClusterState(cluster: LocalRedisCluster): void {
  mkdirSync(CLUSTER_HOME, { recursive: true });
  writePrivate(REDIS_CLUSTER_STATE_PATH, `${JSON.stringify(cluster.state(), null, 2)}\n`);
  const env = Object.entries(cluster.env()).map(([key, value]) => `${key}=${value}`);
  writePrivate(REDIS_CLUSTER_ENV_PATH, `${env.join('\n')}\n`);
}

function readState(): RedisClusterState | undefined {
  if (!existsSync(REDIS_CLUSTER_STATE_PATH)) return undefined;
  return JSON.parse(readFileSync(REDIS_CLUSTER_STATE_PATH, 'utf8')) as RedisClusterState;
}

function removeState(): void {
  rmSync(REDIS_CLUSTER_STATE_PATH, { force: true });
  rmSync(REDIS_CLUSTER_ENV_PATH, { force: true });
}

/** The running background Redis Cluster, or undefined when none was started or none of its nodes runs. */
export function attachRunningRedisCluster(): LocalRedisCluster | undefined {
  const state = readState();
  if (!state) return undefined;
  const cluster = LocalRedisCluster.attach(state);
  return cluster.ports.some((port) => cluster.isRunning(port)) ? cluster : undefined;
}

/** Starts it in REDIS_CLUSTER_DATA_DIR unless one runs already (`started: false`); clears a stale state first. */
export async function upRedisCluster(
  options: Partial<RedisClusterOptions> = {},
): Promise<{ cluster: LocalRedisCluster; started: boolean }> {
  const running = attachRunningRedisCluster();
  if (running) return { cluster: running, started: false };
  removeState();
  rmSync(REDIS_CLUSTER_DATA_DIR, { recursive: true, force: true });
  const basePort =
    options.basePort ?? (Number(process.env.REDIS_CLUSTER_BASE_PORT) || DEFAULT_REDIS_CLUSTER_BASE_PORT);
  const start = { dir: REDIS_CLUSTER_DATA_DIR, detached: true, ...options, basePort };
  // A failed start stops its processes but leaves the dir it did not create: no half cluster for the next `up`.
  const cluster = await LocalRedisCluster.start(start).catch((err: Error) => {
    rmSync(REDIS_CLUSTER_DATA_DIR, { recursive: true, force: true });
    throw err;
  });
  saveRedisClusterState(cluster);
  return { cluster, started: true };
}

/** Stops exactly the saved pids, then removes the data dir and the state. False when nothing was running. */
export async function downRedisCluster(): Promise<boolean> {
  const state = readState();
  if (!state) return false;
  await LocalRedisCluster.attach(state).stop();
  rmSync(state.dir, { recursive: true, force: true });
  removeState();
  return true;
}
