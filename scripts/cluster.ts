/**
 * Operations on the local HA cluster (1 master, 2 replicas, 3 sentinels on 127.0.0.1:6390-6395):
 *
 *   npm run cluster:up                  start it in the background (state in .cluster/), print the env to use
 *   npm run cluster:down                stop exactly the processes `up` started, remove their data
 *   npm run cluster:status              role, pid and replication offset of each process
 *   npm run cluster:health              every check an operator looks at; exit code 1 when one fails
 *   npm run cluster:sentinel-status     what each sentinel believes (master, epoch, replicas, peers, quorum)
 *   npm run cluster:failover            planned switchover (SENTINEL FAILOVER), waits for the switch
 *   npm run cluster:kill-master         SIGKILL the master, print the sentinels' timeline until the switch
 *                                       (-- --restart: restart the old master and wait until it is a replica)
 *   npm run cluster:backup [-- file]    BGSAVE on the master, copy its RDB (default .cluster/backups/)
 *   npm run cluster:restore -- file     start a fresh cluster from an RDB file (after cluster:down)
 *   npx tsx scripts/cluster.ts start-node <port>   restart a node or sentinel that was stopped or killed
 *
 * `up` options: -- --down-after-ms=2000 (default: redis/sentinel.conf's 5000), CLUSTER_BASE_PORT=7000.
 * Passwords: REDIS_ACL_*_PASSWORD (see .env.example); the dev defaults are used when unset.
 *
 * A Redis Cluster (cluster mode: 3 primaries + 3 replicas, no sentinels, 127.0.0.1:6400-6405) instead: add
 * `-- --cluster` to up, status, kill-master [port] [--restart], failover [replica port], start-node <port>,
 * add-shard [slots] (`npm run cluster:add-shard -- --cluster`: a 4th shard, 500 slots moved to it live), down
 * (tools/cluster/redis-cluster-cli.ts; REDIS_CLUSTER_BASE_PORT moves it). Both kits can run side by side.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type Redis from 'ioredis';
import type { LocalCluster } from '../tools/cluster/local-cluster';
import { query } from '../tools/cluster/cluster-client';
import {
  CLUSTER_HOME,
  ENV_PATH,
  attachRunning,
  downCluster,
  saveClusterState,
  upCluster,
} from '../tools/cluster/cluster-state-file';
import { printHealth, printSentinelStatus, printStatus } from '../tools/cluster/cluster-report';
import { REDIS_CLUSTER_COMMANDS, redisClusterCommand } from '../tools/cluster/redis-cluster-cli';

const [command = 'status', ...rest] = process.argv.slice(2);
const flags = new Map<string, string | undefined>(
  rest
    .filter((a) => a.startsWith('--'))
    .map((a) => {
      const [key, value] = a.slice(2).split('=');
      return [key, value];
    }),
);
const args = rest.filter((a) => !a.startsWith('--'));

function running(): LocalCluster {
  const cluster = attachRunning();
  if (!cluster) throw new Error('no local cluster is running: start it with `npm run cluster:up`');
  return cluster;
}

function printEnv(cluster: LocalCluster): void {
  console.log(`\nEnvironment for the library (also in ${ENV_PATH}):`);
  for (const [key, value] of Object.entries(cluster.env())) console.log(`  ${key}=${value}`);
  console.log(
    `\nStatus: npm run cluster:status   Failover: npm run cluster:kill-master   Stop: npm run cluster:down`,
  );
}

async function up(): Promise<void> {
  const downAfter = flags.get('down-after-ms');
  const started = Date.now();
  const { cluster, started: fresh } = await upCluster({
    downAfterMs: downAfter ? Number(downAfter) : undefined,
  });
  const ports = `${cluster.redisPorts[0]}-${cluster.sentinelPorts[2]}`;
  console.log(
    fresh
      ? `Local HA cluster up on 127.0.0.1:${ports} in ${Date.now() - started} ms (data in ${cluster.dir})`
      : `Local HA cluster already running on 127.0.0.1:${ports}`,
  );
  await printStatus(cluster);
  printEnv(cluster);
}

async function failover(): Promise<void> {
  const cluster = running();
  const from = await cluster.master();
  const sw = cluster.nextSwitch(60_000);
  await sw.ready;
  const { at } = await cluster.failover();
  console.log(`SENTINEL FAILOVER mymaster sent (master was ${from})`);
  const switched = await sw;
  console.log(`+switch-master ${switched.from} -> ${switched.to} after ${switched.at - at} ms`);
  const agreed = await cluster.waitForSwitch(from, 60_000);
  console.log(`all sentinels name ${agreed.port} after ${agreed.at - at} ms`);
  console.log(`the old master ${from} is converted to a replica ~10 s later (cluster:status shows it)`);
}

async function killMaster(): Promise<void> {
  const cluster = running();
  const subscribers: Redis[] = [];
  let t0 = 0;
  for (const port of cluster.sentinelPorts.filter((p) => cluster.isRunning(p))) {
    const client = cluster.admin(port);
    client.on('error', () => undefined);
    client.on('pmessage', (_pattern: string, channel: string, message: string) => {
      if (t0 > 0 && !channel.startsWith('__sentinel__')) {
        console.log(`+${String(Date.now() - t0).padStart(5)} ms  sentinel ${port}  ${channel} ${message}`);
      }
    });
    await client.psubscribe('*');
    subscribers.push(client);
  }
  const { port, at } = await cluster.killMaster();
  t0 = at;
  console.log(`SIGKILL master ${port} at ${new Date(at).toISOString()}`);
  const agreed = await cluster.waitForSwitch(port, 120_000);
  subscribers.forEach((client) => client.disconnect());
  console.log(`new master ${agreed.port}: all sentinels agree ${agreed.at - at} ms after the kill`);
  if (flags.has('restart')) {
    await cluster.startNode(port);
    saveClusterState(cluster);
    const started = Date.now();
    await cluster.waitForRole(port, 'slave', 60_000);
    console.log(`old master ${port} restarted; a replica of ${agreed.port} after ${Date.now() - started} ms`);
  } else {
    console.log(
      `old master ${port} stays down: \`npx tsx scripts/cluster.ts start-node ${port}\` brings it back`,
    );
  }
}

async function backup(): Promise<void> {
  const file =
    args[0] ?? join(CLUSTER_HOME, 'backups', `dump-${new Date().toISOString().replace(/[:.]/g, '-')}.rdb`);
  const result = await running().backup(file);
  console.log(
    `BGSAVE on master ${result.port}: ${result.keys} keys, ${result.bytes} bytes in ${result.file}`,
  );
  console.log(
    `(${result.tookMs} ms)  Restore: npm run cluster:down && npm run cluster:restore -- ${result.file}`,
  );
}

async function restore(): Promise<void> {
  const file = args[0];
  if (!file || !existsSync(file))
    throw new Error('usage: npm run cluster:restore -- <file.rdb> (an existing file)');
  if (attachRunning())
    throw new Error('a cluster is running: `npm run cluster:down` first (restore starts a fresh one)');
  const { cluster } = await upCluster({ restoreFrom: file });
  const keys = await query(await cluster.master(), cluster.adminCredentials(), 'DBSIZE');
  console.log(`fresh cluster restored from ${file}: ${keys} keys on the master, replicated to both replicas`);
  await printStatus(cluster);
  printEnv(cluster);
}

async function startNode(): Promise<void> {
  const cluster = running();
  const port = Number(args[0]);
  await cluster.startNode(port);
  saveClusterState(cluster);
  console.log(`started ${port} (pid ${cluster.pid(port)})`);
}

const commands: Record<string, () => Promise<void>> = {
  up,
  down: async () =>
    console.log((await downCluster()) ? 'local cluster stopped' : 'no local cluster was running'),
  status: () => printStatus(running()),
  health: async () => {
    process.exitCode = (await printHealth(running())) ? 0 : 1;
  },
  'sentinel-status': () => printSentinelStatus(running()),
  failover,
  'kill-master': killMaster,
  backup,
  restore,
  'start-node': startNode,
};

const run = flags.has('cluster') ? redisClusterCommand(command, args, flags) : commands[command];
if (!run) {
  const known = flags.has('cluster') ? REDIS_CLUSTER_COMMANDS : Object.keys(commands);
  console.error(`unknown command "${command}"; one of: ${known.join(', ')}`);
  process.exit(2);
}
run().then(
  () => process.exit(process.exitCode ?? 0),
  (err: Error) => {
    console.error(`cluster ${command}: ${err.message}`);
    process.exit(1);
  },
);
