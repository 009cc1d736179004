import { execFile } from 'node:child_process';
import { infoField, query, type Credentials } from './cluster-client';
import { INSTALL_HINT } from './cluster-process';
import { SLOT_COUNT, parseClusterNodes, slotMapOf, type ClusterNode } from './redis-cluster-nodes';

/**
 * What the Redis Cluster launcher asks the nodes: `redis-cli --cluster` for the multi-node operations Redis
 * itself leaves to a tool (create, add-node, reshard), and the checks that say a cluster is settled.
 */

/**
 * Runs `redis-cli <args>` as `admin`. The password goes through REDISCLI_AUTH, not `--pass`: argv is readable by
 * every user of the machine (`ps`), and redis-cli warns on each `--pass`. Rejects with the tool's output.
 */
export function redisCli(args: string[], admin: Credentials, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, REDISCLI_AUTH: admin.password };
    const tls = admin.tls
      ? ['--tls', '--cacert', admin.tls.ca, '--cert', admin.tls.cert, '--key', admin.tls.key]
      : [];
    const argv = ['--user', admin.username, ...tls, ...args];
    execFile('redis-cli', argv, { env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      const tail = `${stdout}${stderr}`.trimEnd().split('\n').slice(-12).join('\n');
      reject(new Error(missing ? `redis-cli not found. ${INSTALL_HINT}` : `redis-cli ${args[1]}: ${tail}`));
    });
  });
}

export function address(port: number): string {
  return `127.0.0.1:${port}`;
}

/** One node's view: its `cluster_state` and its `CLUSTER NODES`. */
export interface NodeView {
  port: number;
  state: string;
  nodes: ClusterNode[];
}

export async function viewOf(port: number, creds: Credentials): Promise<NodeView> {
  const info = await query<string>(port, creds, 'CLUSTER', 'INFO');
  const nodes = parseClusterNodes(await query<string>(port, creds, 'CLUSTER', 'NODES'));
  return { port, state: infoField(info, 'cluster_state') ?? 'unknown', nodes };
}

/** Online replicas a primary itself counts (`slaveN:...state=online` of INFO replication). */
export async function onlineReplicas(port: number, creds: Credentials): Promise<number> {
  const info = await query<string>(port, creds, 'INFO', 'replication');
  return (info.match(/^slave\d+:.*state=online/gm) ?? []).length;
}

/**
 * Throws, naming what is not settled yet, unless every node of `ports`: says `cluster_state:ok`; knows each of
 * `ports` as a node that is neither failed, in handshake nor without address; and has the same slot -> primary map
 * covering all 16384 slots. With `replicas`, also every primary in that map counts that many online replicas
 * (with min-replicas-to-write 1 a primary refuses writes until one has acknowledged) and every node lists them
 * in CLUSTER SLOTS (what clients read replicas from). Resolves the agreed views.
 */
export async function checkSettled(ports: number[], creds: Credentials, replicas = 0): Promise<NodeView[]> {
  const views = await Promise.all(ports.map((port) => viewOf(port, creds)));
  for (const view of views) {
    if (view.state !== 'ok') throw new Error(`${view.port} says cluster_state:${view.state}`);
    for (const port of ports) {
      const node = view.nodes.find((n) => n.port === port);
      const bad = node?.flags.filter((f) => ['fail', 'fail?', 'handshake', 'noaddr'].includes(f));
      if (!node || bad!.length > 0) throw new Error(`${view.port} sees ${port} as ${bad ?? 'unknown'}`);
    }
  }
  const maps = views.map((view) => slotMapOf(view.nodes));
  if (maps[0].covered !== SLOT_COUNT) throw new Error(`${maps[0].covered} of ${SLOT_COUNT} slots assigned`);
  const differing = views.find((_, i) => maps[i].map !== maps[0].map);
  if (differing) throw new Error(`${differing.port} disagrees on the slot map`);
  if (replicas > 0) {
    const masters = views[0].nodes.filter((n) => n.role === 'master' && ports.includes(n.port));
    for (const master of masters) {
      const online = await onlineReplicas(master.port, creds);
      if (online < replicas) throw new Error(`primary ${master.port} has ${online} online replicas`);
    }
    // Clients learn replicas from CLUSTER SLOTS, where a node lists one only some seconds after it is online
    // (measured: 1 s after forming, each node listed a different subset; all of them after ~6 s).
    for (const port of ports) {
      const ranges = await query<Array<[number, number, ...unknown[]]>>(port, creds, 'CLUSTER', 'SLOTS');
      const short = ranges.find((range) => range.length - 2 < 1 + replicas);
      if (short)
        throw new Error(`${port} lists ${short.length - 3} replicas for slot ${short[0]} in CLUSTER SLOTS`);
    }
  }
  return views;
}
