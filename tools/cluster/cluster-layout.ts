import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  clusterPasswords,
  renderRedisConf,
  renderSentinelConf,
  renderUsersAcl,
  type ClusterPasswords,
} from './cluster-config';
import { findBinary, type ManagedProcess, type ProcessKind } from './cluster-process';

export interface LocalClusterOptions {
  /** Redis on basePort..basePort+2 (the first is the initial master), sentinels on basePort+3..+5. @default 6390 */
  basePort?: number;
  /** Overrides `down-after-milliseconds` of redis/sentinel.conf (5000). Tests use 2000, never less. */
  downAfterMs?: number;
  /** Overrides `failover-timeout` of redis/sentinel.conf (30000). */
  failoverTimeoutMs?: number;
  /** Where the node dirs go. @default a new temp dir, removed by stop() */
  dir?: string;
  /** Processes outlive this Node process (cluster:up); no cleanup on exit. @default false */
  detached?: boolean;
  /** Source of the REDIS_ACL_*_PASSWORD variables. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default 30000 */
  startTimeoutMs?: number;
  /** An RDB file (e.g. from `cluster.backup()`) the initial master loads; the replicas sync from it. */
  restoreFrom?: string;
  /**
   * Partition tests (inside `privateNetworkCommand()`, as root): each process gets its own 127.0.0.x
   * (127.0.0.11 for basePort, .12, ...) and its own uid (41011, 41012, ...), so `cut()` can part any two.
   */
  partitionable?: boolean;
}

/** What `cluster:up` saves so that later commands can `attach()` to the same processes. */
export interface ClusterState {
  basePort: number;
  dir: string;
  /** stop() removes `dir` (a temp dir it created). */
  ownsDir: boolean;
  detached: boolean;
  passwords: ClusterPasswords;
  processes: { kind: ProcessKind; port: number; pid?: number; dir: string; host: string; uid?: number }[];
}

function describe(kind: ProcessKind, port: number, dir: string, host: string, uid?: number): ManagedProcess {
  const files = { confPath: join(dir, `${kind}.conf`), logPath: join(dir, `${kind}.log`) };
  return { kind, port, dir, host, uid, ...files };
}

export function processesOf(state: ClusterState): ManagedProcess[] {
  return state.processes.map((p) => ({ ...describe(p.kind, p.port, p.dir, p.host, p.uid), pid: p.pid }));
}

/** 127.0.0.11 for basePort, .12 for the next...; 127.0.0.1 unless partitionable. */
function placement(options: LocalClusterOptions, basePort: number) {
  const offset = (port: number) => port - basePort + 11;
  return options.partitionable
    ? { hostOf: (port: number) => `127.0.0.${offset(port)}`, uidOf: (port: number) => 41000 + offset(port) }
    : { hostOf: () => '127.0.0.1', uidOf: () => undefined };
}

/**
 * Creates the node dirs and renders every config (one dir per process: `redis-<port>/`, `sentinel-<port>/`).
 * Sentinel ids are chosen here so every sentinel can list the other two as known from the start.
 */
export function layoutCluster(options: LocalClusterOptions): {
  state: ClusterState;
  procs: ManagedProcess[];
} {
  findBinary('redis');
  findBinary('sentinel');
  const basePort = options.basePort ?? 6390;
  const ownsDir = options.dir === undefined;
  const dir = ownsDir ? mkdtempSync(join(tmpdir(), `redis-ha-${basePort}-`)) : resolve(options.dir!);
  const passwords = clusterPasswords(options.env);
  const redisPorts = [basePort, basePort + 1, basePort + 2];
  const sentinels = [3, 4, 5].map((offset) => ({
    port: basePort + offset,
    myid: randomBytes(20).toString('hex'),
  }));
  const { hostOf, uidOf } = placement(options, basePort);
  const procs: ManagedProcess[] = [];
  const add = (kind: ProcessKind, port: number, files: (dir: string) => Record<string, string>) => {
    const proc = describe(kind, port, join(dir, `${kind}-${port}`), hostOf(port), uidOf(port));
    mkdirSync(proc.dir, { recursive: true });
    for (const [name, text] of Object.entries(files(proc.dir))) {
      writeFileSync(join(proc.dir, name), text, { mode: 0o600 }); // they hold passwords
    }
    if (proc.uid !== undefined) ownBy(proc.dir, proc.uid);
    procs.push(proc);
  };
  if (options.partitionable) chmodSync(dir, 0o711); // each process, under its own uid, reaches its own dir
  for (const port of redisPorts) {
    const masterPort = port === basePort ? undefined : basePort;
    const restoring = masterPort === undefined && options.restoreFrom !== undefined;
    add('redis', port, (nodeDir) => {
      if (restoring) copyFileSync(options.restoreFrom!, join(nodeDir, 'dump.rdb'));
      return {
        'users.acl': renderUsersAcl(passwords),
        'redis.conf': renderRedisConf({ port, dir: nodeDir, masterPort, passwords, restoring, hostOf }),
      };
    });
  }
  for (const { port, myid } of sentinels) {
    const peers = sentinels.filter((peer) => peer.port !== port);
    const timings = { downAfterMs: options.downAfterMs, failoverTimeoutMs: options.failoverTimeoutMs };
    const replicaPorts = redisPorts.slice(1);
    add('sentinel', port, (nodeDir) => ({
      'sentinel.conf': renderSentinelConf({
        ...{ port, dir: nodeDir, myid, masterPort: basePort, replicaPorts, peers, passwords, hostOf },
        ...timings,
      }),
    }));
  }
  const state = { basePort, dir, ownsDir, detached: options.detached ?? false, passwords, processes: [] };
  return { state, procs };
}

/** Hands a node's dir and files to the uid it runs as (it writes its log, RDB, AOF and config there). */
function ownBy(dir: string, uid: number): void {
  chownSync(dir, uid, uid);
  for (const name of readdirSync(dir)) chownSync(join(dir, name), uid, uid);
}
