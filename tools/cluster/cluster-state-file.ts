import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LocalCluster, type ClusterState, type LocalClusterOptions } from './local-cluster';

/**
 * The background cluster of `npm run cluster:up`: its processes outlive the command, so what later
 * commands (`cluster:down`, `status`, `failover`, `npm run demo`...) need is saved in `.cluster/`
 * (git-ignored): state.json (pids, dirs, ports, passwords: mode 600) and env (the library's variables).
 * CLUSTER_HOME moves that directory (tests use a temp one so they never touch a developer's cluster).
 */
export const CLUSTER_HOME = resolve(process.env.CLUSTER_HOME || join(__dirname, '..', '..', '.cluster'));
export const STATE_PATH = join(CLUSTER_HOME, 'state.json');
export const ENV_PATH = join(CLUSTER_HOME, 'env');
export const DATA_DIR = join(CLUSTER_HOME, 'data');
/** `npm run cluster:up` ports 6390-6395 unless CLUSTER_BASE_PORT says otherwise. */
export const DEFAULT_BASE_PORT = 6390;

export function readClusterState(): ClusterState | undefined {
  if (!existsSync(STATE_PATH)) return undefined;
  return JSON.parse(readFileSync(STATE_PATH, 'utf8')) as ClusterState;
}

function writePrivate(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function saveClusterState(cluster: LocalCluster): void {
  mkdirSync(CLUSTER_HOME, { recursive: true });
  writePrivate(STATE_PATH, `${JSON.stringify(cluster.state(), null, 2)}\n`);
  const env = Object.entries(cluster.env()).map(([key, value]) => `${key}=${value}`);
  writePrivate(ENV_PATH, `${env.join('\n')}\n`);
}

export function removeClusterState(): void {
  rmSync(STATE_PATH, { force: true });
  rmSync(ENV_PATH, { force: true });
}

/** The running background cluster, or undefined when none was started or none of its processes runs. */
export function attachRunning(): LocalCluster | undefined {
  const state = readClusterState();
  if (!state) return undefined;
  const cluster = LocalCluster.attach(state);
  const ports = [...cluster.redisPorts, ...cluster.sentinelPorts];
  return ports.some((port) => cluster.isRunning(port)) ? cluster : undefined;
}

/**
 * Starts the background cluster in `.cluster/data` unless one is running already (then returns it with
 * `started: false`). A stale state (processes gone, e.g. after a reboot) is cleared first.
 */
export async function upCluster(
  options: LocalClusterOptions = {},
): Promise<{ cluster: LocalCluster; started: boolean }> {
  const running = attachRunning();
  if (running) return { cluster: running, started: false };
  removeClusterState();
  rmSync(DATA_DIR, { recursive: true, force: true });
  const basePort = options.basePort ?? (Number(process.env.CLUSTER_BASE_PORT) || DEFAULT_BASE_PORT);
  const cluster = await LocalCluster.start({ dir: DATA_DIR, detached: true, ...options, basePort });
  saveClusterState(cluster);
  return { cluster, started: true };
}

/** Stops exactly the saved pids, then removes the data dir and the state. False when nothing was running. */
export async function downCluster(): Promise<boolean> {
  const state = readClusterState();
  if (!state) return false;
  await LocalCluster.attach(state).stop();
  rmSync(state.dir, { recursive: true, force: true });
  removeClusterState();
  return true;
}
