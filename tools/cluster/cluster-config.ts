import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Renders the committed `redis/` files into a local cluster's temp copies. The committed files are the one
 * source of truth (compose and k8s use them too): this only rewrites what differs on 127.0.0.1 (ports, bind,
 * dir, file paths, the monitored address), the timings a test asks for, and the secrets.
 */
export const REDIS_CONFIG_DIR = join(__dirname, '..', '..', 'redis');
export const MASTER_NAME = 'mymaster';

/** The ACL users of `redis/users.acl` and `redis/sentinel.conf`, by the env variable holding their password. */
export const ACL_USERS = ['app', 'admin', 'replicator', 'sentinel', 'exporter'] as const;
export type AclUser = (typeof ACL_USERS)[number];
export type ClusterPasswords = Record<AclUser, string>;

/** `REDIS_ACL_APP_PASSWORD`, `REDIS_ACL_ADMIN_PASSWORD`, ... (documented in .env.example). */
export function passwordVariable(user: AclUser): string {
  return `REDIS_ACL_${user.toUpperCase()}_PASSWORD`;
}

/** The DEV-ONLY default of every user is `<user>-dev-password`; its sha256 is what the committed files hold. */
export function devPassword(user: AclUser): string {
  return `${user}-dev-password`;
}

export function clusterPasswords(env: NodeJS.ProcessEnv = process.env): ClusterPasswords {
  const entries = ACL_USERS.map((user) => [user, env[passwordVariable(user)] || devPassword(user)]);
  return Object.fromEntries(entries) as ClusterPasswords;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function readCommitted(file: string): string {
  return readFileSync(join(REDIS_CONFIG_DIR, file), 'utf8');
}

/**
 * Replaces the first line whose directive is `key` (one or more words, e.g. `sentinel monitor mymaster`)
 * with `key value`; appends it when absent. Comments are left alone.
 */
export function setDirective(text: string, key: string, value: string): string {
  const lines = text.split('\n');
  const index = lines.findIndex((line) => line === key || line.startsWith(`${key} `));
  const line = `${key} ${value}`;
  if (index >= 0) lines[index] = line;
  else lines.splice(lines[lines.length - 1] === '' ? lines.length - 1 : lines.length, 0, line);
  return lines.join('\n');
}

/** Swaps the committed dev-only `#<sha256>` of every `user` line for the hash of the configured password. */
export function renderUserLines(text: string, passwords: ClusterPasswords): string {
  return text.replace(/^user (\S+) (.*)$/gm, (line, name: string, rules: string) => {
    if (!(ACL_USERS as readonly string[]).includes(name)) return line; // `default` has no password
    return `user ${name} ${rules.replace(/#[0-9a-f]{64}/, `#${sha256(passwords[name as AclUser])}`)}`;
  });
}

/**
 * Where each process of the cluster listens, by port: 127.0.0.1 for all by default; for partition tests each its
 * own 127.0.0.x (it listens on 127.0.0.1 too, for the launcher, and connects out from its own address).
 */
export type HostOf = (port: number) => string;

const LOOPBACK: HostOf = () => '127.0.0.1';

/** `bind` and `bind-source-addr` of a process at `host`. */
function bindTo(text: string, host: string): string {
  if (host === '127.0.0.1') return setDirective(text, 'bind', host);
  return setDirective(setDirective(text, 'bind', `${host} 127.0.0.1`), 'bind-source-addr', host);
}

export interface RedisNodeRender {
  port: number;
  dir: string;
  /** Port of the master to replicate from; undefined for the initial master. */
  masterPort?: number;
  hostOf?: HostOf;
  passwords: ClusterPasswords;
  /** Start from the dump.rdb placed in `dir` (AOF off until enableAofAfterRestore()). */
  restoring?: boolean;
}

/** `redis.conf` of one node; its `users.acl` is rendered by `renderUsersAcl()` into the same dir. */
export function renderRedisConf(node: RedisNodeRender): string {
  let text = readCommitted(node.masterPort === undefined ? 'redis-master.conf' : 'redis-replica.conf');
  const hostOf = node.hostOf ?? LOOPBACK;
  text = setDirective(text, 'port', String(node.port));
  text = bindTo(text, hostOf(node.port));
  text = setDirective(text, 'dir', node.dir);
  text = setDirective(text, 'aclfile', join(node.dir, 'users.acl'));
  text = setDirective(text, 'logfile', join(node.dir, 'redis.log'));
  // Small enough that dozens of test clusters fit in memory; the committed value is for a real host.
  text = setDirective(text, 'repl-backlog-size', '4mb');
  if (node.masterPort !== undefined)
    text = setDirective(text, 'replicaof', `${hostOf(node.masterPort)} ${node.masterPort}`);
  if (node.restoring) text = setDirective(text, 'appendonly', 'no');
  return `${text}\n# --- rendered secrets (never committed) ---\nmasterauth ${node.passwords.replicator}\n`;
}

export function renderUsersAcl(passwords: ClusterPasswords): string {
  return renderUserLines(readCommitted('users.acl'), passwords);
}

export interface SentinelRender {
  port: number;
  dir: string;
  /** 40 hex chars; fixed up front so every sentinel can list the others as known at start. */
  myid: string;
  masterPort: number;
  replicaPorts: number[];
  peers: { port: number; myid: string }[];
  passwords: ClusterPasswords;
  downAfterMs?: number;
  failoverTimeoutMs?: number;
  hostOf?: HostOf;
}

export function renderSentinelConf(s: SentinelRender): string {
  let text = renderUserLines(readCommitted('sentinel.conf'), s.passwords);
  const quorum = /^sentinel monitor \S+ \S+ \d+ (\d+)$/m.exec(text)?.[1] ?? '2';
  const hostOf = s.hostOf ?? LOOPBACK;
  text = setDirective(text, 'port', String(s.port));
  text = bindTo(text, hostOf(s.port));
  text = setDirective(text, 'dir', s.dir);
  text = setDirective(text, 'logfile', join(s.dir, 'sentinel.log'));
  text = setDirective(
    text,
    `sentinel monitor ${MASTER_NAME}`,
    `${hostOf(s.masterPort)} ${s.masterPort} ${quorum}`,
  );
  if (s.downAfterMs !== undefined) {
    text = setDirective(text, `sentinel down-after-milliseconds ${MASTER_NAME}`, String(s.downAfterMs));
  }
  if (s.failoverTimeoutMs !== undefined) {
    text = setDirective(text, `sentinel failover-timeout ${MASTER_NAME}`, String(s.failoverTimeoutMs));
  }
  // Known replicas and peers up front: otherwise discovery takes one INFO period (10 s) and two hello
  // periods (2 s each) before the quorum can be checked.
  const known = [
    `sentinel myid ${s.myid}`,
    ...s.replicaPorts.map((port) => `sentinel known-replica ${MASTER_NAME} ${hostOf(port)} ${port}`),
    ...s.peers.map(
      (peer) => `sentinel known-sentinel ${MASTER_NAME} ${hostOf(peer.port)} ${peer.port} ${peer.myid}`,
    ),
  ];
  const secrets = [
    `sentinel auth-pass ${MASTER_NAME} ${s.passwords.sentinel}`,
    `sentinel sentinel-pass ${s.passwords.sentinel}`,
  ];
  return `${text}\n# --- rendered by the local launcher ---\n${known.join('\n')}\n${secrets.join('\n')}\n`;
}
