import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  clusterPasswords,
  readCommitted,
  renderUsersAcl,
  setDirective,
  type ClusterPasswords,
} from './cluster-config';
import { findBinary, type ManagedProcess } from './cluster-process';
import { makeTlsMaterial, tlsDirectives, type TlsFiles } from './tls-material';

/**
 * Dirs and configs of a local Redis Cluster (cluster mode): one dir per node, `node-<port>/`, holding its rendered
 * `redis.conf` and `users.acl`, and what the node writes itself (nodes.conf, AOF, RDB, log). Rendered from the
 * committed redis/redis-cluster.conf, rewriting only what differs on 127.0.0.1, like cluster-config.ts does for
 * the Sentinel kit (plus `cluster-port`, see busPortOf).
 */
export interface RedisClusterOptions {
  /** Nodes on basePort.. (primaries first); their cluster bus on port + 10000 or - 10000 (busPortOf). @default 6400 */
  basePort: number;
  /** Overrides `cluster-node-timeout` of redis/redis-cluster.conf (2000). @default 2000 */
  nodeTimeoutMs?: number;
  /** @default 3 (Redis Cluster needs at least 3 primaries to elect) */
  primaries?: number;
  /** @default 1 */
  replicasPerPrimary?: number;
  /** Processes outlive this Node process (`cluster:up -- --cluster`); no cleanup on exit. @default false */
  detached?: boolean;
  /** Where the node dirs go. @default a new temp dir, removed by stop() */
  dir?: string;
  /** Source of the REDIS_ACL_*_PASSWORD variables. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default 30000 */
  startTimeoutMs?: number;
  /**
   * TLS only: clients, the cluster bus and replication over TLS, plaintext port off, client certificates required;
   * a throwaway CA made in the cluster's dir (`tls/`). @default false
   */
  tls?: boolean;
}

/** What the CLI saves so that later commands can `attach()` to the same processes. */
export interface RedisClusterState {
  basePort: number;
  dir: string;
  ownsDir: boolean;
  detached: boolean;
  nodeTimeoutMs: number;
  replicasPerPrimary: number;
  passwords: ClusterPasswords;
  nodes: { port: number; pid?: number; dir: string }[];
  /** With `tls`: the CA and the certificate every node and client uses. */
  tls?: TlsFiles;
}

/**
 * The node's cluster bus port. Redis' default, port + 10000, puts the test ports' buses (279xx -> 379xx) inside
 * Linux's ephemeral range (32768-60999), where the local end of any outgoing connection may hold it: a node then
 * aborts ("Failed listening on port 37924 (cluster)", seen with a socket of a connection to another test cluster
 * still on 127.0.0.1:37924). Such ports get their bus 10000 below instead; 6400 keeps 16400.
 */
export function busPortOf(port: number): number {
  let [low, high] = [32768, 60999];
  try {
    [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
  } catch {
    // not Linux: keep Linux's default range (macOS' 49152-65535 holds none of the ports used here either way)
  }
  const above = port + 10_000;
  return above < low || above > high ? above : port - 10_000;
}

export function renderClusterNodeConf(
  port: number,
  dir: string,
  nodeTimeoutMs: number,
  passwords: ClusterPasswords,
  tls?: TlsFiles,
): string {
  let text = readCommitted('redis-cluster.conf');
  text = setDirective(text, 'port', String(port));
  text = setDirective(text, 'bind', '127.0.0.1');
  text = setDirective(text, 'dir', dir);
  text = setDirective(text, 'aclfile', join(dir, 'users.acl'));
  text = setDirective(text, 'logfile', join(dir, 'redis.log'));
  text = setDirective(text, 'cluster-node-timeout', String(nodeTimeoutMs));
  text = setDirective(text, 'cluster-port', String(busPortOf(port)));
  // Small enough that several test clusters fit in memory; the committed value is for a real host.
  text = setDirective(text, 'repl-backlog-size', '4mb');
  if (tls)
    for (const [key, value] of Object.entries(tlsDirectives(port, tls)))
      text = setDirective(text, key, value);
  return `${text}\n# --- rendered secrets (never committed) ---\nmasterauth ${passwords.replicator}\n`;
}

export function describeNode(port: number, dir: string, pid?: number): ManagedProcess {
  const files = { confPath: join(dir, 'redis.conf'), logPath: join(dir, 'redis.log') };
  return { kind: 'redis', port, host: '127.0.0.1', dir, pid, ...files };
}

/** Creates `node-<port>/` under the cluster's dir with its config and ACL file (mode 600: they hold secrets). */
export function layoutNode(state: RedisClusterState, port: number): ManagedProcess {
  const dir = join(state.dir, `node-${port}`);
  mkdirSync(dir, { recursive: true });
  const conf = renderClusterNodeConf(port, dir, state.nodeTimeoutMs, state.passwords, state.tls);
  writeFileSync(join(dir, 'users.acl'), renderUsersAcl(state.passwords), { mode: 0o600 });
  writeFileSync(join(dir, 'redis.conf'), conf, { mode: 0o600 });
  return describeNode(port, dir);
}

/** The cluster's dir and the first `primaries x (1 + replicasPerPrimary)` nodes, on consecutive ports. */
export function layoutRedisCluster(options: RedisClusterOptions): {
  state: RedisClusterState;
  procs: ManagedProcess[];
} {
  findBinary('redis');
  const { basePort } = options;
  const primaries = options.primaries ?? 3;
  const replicasPerPrimary = options.replicasPerPrimary ?? 1;
  if (primaries < 3) throw new Error('a Redis Cluster needs at least 3 primaries to elect a replica');
  const ownsDir = options.dir === undefined;
  const dir = ownsDir ? mkdtempSync(join(tmpdir(), `redis-cluster-${basePort}-`)) : resolve(options.dir!);
  mkdirSync(dir, { recursive: true });
  const state: RedisClusterState = {
    ...{ basePort, dir, ownsDir, detached: options.detached ?? false, replicasPerPrimary },
    nodeTimeoutMs: options.nodeTimeoutMs ?? 2000,
    passwords: clusterPasswords(options.env),
    nodes: [],
    tls: options.tls ? makeTlsMaterial(join(dir, 'tls')) : undefined,
  };
  const count = primaries * (1 + replicasPerPrimary);
  const procs = Array.from({ length: count }, (_, i) => layoutNode(state, basePort + i));
  return { state, procs };
}
