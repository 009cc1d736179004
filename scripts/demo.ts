/**
 * `npm run demo`: the sample app (apps/sample) on the local HA cluster, in one command. `npm run demo -- --cluster`:
 * the same app, unchanged, on a local Redis Cluster (3 primaries + 3 replicas, `npm run cluster:up -- --cluster`,
 * ports 6400-6405) instead of Sentinel.
 *
 * 1. Uses the background cluster of `npm run cluster:up` (.cluster/state.json) when it runs; otherwise starts
 *    it (down-after-milliseconds 2000, so a failover takes ~3 s to watch rather than ~6 s), after
 *    `npm run setup` (scripts/ensure-redis.sh) when the Redis binaries are missing.
 * 2. Runs the sample app in this process on PORT (default 3000) with the cluster's environment, as a user's
 *    app gets it (the ACL `app` user, keys under `app:`).
 * 3. Prints the URLs and how to cause a live failover from another terminal.
 * 4. Ctrl-C (SIGINT) or SIGTERM stops the app, then the cluster if this command started it.
 *
 * Any variable of the sample or the library may be set as usual (PORT, CACHE_TTL_HOLIDAYS, LOG_LEVEL...);
 * the REDIS_* connection variables always come from the cluster. CLUSTER_BASE_PORT moves the cluster.
 */
import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createApp } from '../apps/sample/src/create-app';
import { findBinary } from '../tools/cluster/cluster-process';
import { downCluster, upCluster } from '../tools/cluster/cluster-state-file';
import { downRedisCluster, upRedisCluster } from '../tools/cluster/redis-cluster-state-file';

const say = (line = '') => process.stdout.write(`${line}\n`);

let app: INestApplication | undefined;
/** Sentinel (default) or, with `--cluster`, Redis Cluster: what the demo needs of either. */
interface DemoCluster {
  env(): Record<string, string>;
  /** `127.0.0.1:first-last`, for the banner. */
  readonly ports: string;
}

const onRedisCluster = process.argv.includes('--cluster');
const kind = onRedisCluster ? 'Redis Cluster' : 'HA cluster';
let cluster: DemoCluster | undefined;
let startedCluster = false;
let startup: Promise<void> = Promise.resolve();
let stopping: Promise<void> | undefined;

/** Stops what this command started, once, even when the signal comes while it is still starting. */
function stop(reason: string, code: number): Promise<void> {
  stopping ??= (async () => {
    say(
      `\n${reason}: stopping the sample app${startedCluster ? ' and the local cluster it started' : ''}...`,
    );
    await startup.catch(() => undefined);
    await app?.close().catch((err: Error) => say(`closing the app: ${err.message}`));
    if (startedCluster) await (onRedisCluster ? downRedisCluster() : downCluster());
    else if (cluster) {
      const down = `npm run cluster:down${onRedisCluster ? ' -- --cluster' : ''}`;
      say(`The local ${kind} was already running before the demo: it stays up (\`${down}\`).`);
    }
    process.exit(code);
  })();
  return stopping;
}

function banner(url: string, cluster: DemoCluster): void {
  const how = startedCluster ? 'started by this demo' : 'already running';
  const flag = onRedisCluster ? ' -- --cluster' : '';
  say();
  say(`Sample app on ${url} (local ${kind} ${cluster.ports}, ${how})`);
  say(`  curl -i ${url}/holidays/2026                 x-cache: miss, then hit`);
  say(`  curl -i -X POST ${url}/reports -H 'content-type: application/json' -d '{"month":"2026-05"}'`);
  say(`  curl ${url}/reports/<id>                    the id from the POST`);
  say(`  curl ${url}/health/ready   ${url}/health   ${url}/metrics`);
  say(
    `Live failover: in another terminal run \`npm run cluster:kill-master${flag}\` (or \`npm run cluster:failover${flag}\`)`,
  );
  say(
    onRedisCluster
      ? '  while you curl: a shard fails over, the others keep serving (`npm run cluster:status -- --cluster`).'
      : '  while you curl: requests ride through it (the old master stays down; add `-- --restart` to bring it back).',
  );
  say('Ctrl-C stops the demo.');
  say();
}

/** `npm run setup` when redis-server or redis-sentinel is not on PATH: it installs them or says how. */
function ensureRedis(): void {
  try {
    findBinary('redis');
    if (!onRedisCluster) findBinary('sentinel');
  } catch {
    const setup = spawnSync('bash', [join(__dirname, 'ensure-redis.sh')], { stdio: 'inherit' });
    if (setup.status !== 0) throw new Error('Redis is not installed (see above)');
  }
}

/** The background cluster of `npm run cluster:up` (with `--cluster`: its Redis Cluster), started when none runs. */
async function startCluster(): Promise<DemoCluster> {
  if (onRedisCluster) {
    const up = await upRedisCluster();
    startedCluster = up.started;
    const [first, last] = [Math.min(...up.cluster.ports), Math.max(...up.cluster.ports)];
    return { env: () => up.cluster.env(), ports: `127.0.0.1:${first}-${last}` };
  }
  const up = await upCluster({ downAfterMs: 2000 });
  startedCluster = up.started;
  const { redisPorts, sentinelPorts } = up.cluster;
  return { env: () => up.cluster.env(), ports: `127.0.0.1:${redisPorts[0]}-${sentinelPorts[2]}` };
}

async function main(): Promise<void> {
  ensureRedis();
  cluster = await startCluster();
  const env: NodeJS.ProcessEnv = {
    CACHE_TTL_HOLIDAYS: '3600',
    // A demo has no load balancer to drain: stop at once on Ctrl-C.
    HEALTH_SHUTDOWN_DELAY_MS: '0',
    ...process.env,
    ...cluster.env(),
    REDIS_KEY_PREFIX: 'app:',
  };
  app = await createApp({ env });
  const port = Number(env.PORT || 3000);
  await app.listen(port);
  banner(`http://localhost:${port}`, cluster);
}

process.on('SIGINT', () => void stop('SIGINT', 0));
process.on('SIGTERM', () => void stop('SIGTERM', 0));
startup = main();
startup.catch((err: Error) => {
  process.stderr.write(`demo: ${err.message}\n`);
  void stop('failed to start', 1);
});
