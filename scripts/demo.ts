/**
 * `npm run demo`: the sample app (apps/sample) on the local HA cluster, in one command.
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
import type { LocalCluster } from '../tools/cluster/local-cluster';
import { findBinary } from '../tools/cluster/cluster-process';
import { downCluster, upCluster } from '../tools/cluster/cluster-state-file';

const say = (line = '') => process.stdout.write(`${line}\n`);

let app: INestApplication | undefined;
let cluster: LocalCluster | undefined;
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
    if (startedCluster) await downCluster();
    else if (cluster)
      say('The local cluster was already running before the demo: it stays up (`npm run cluster:down`).');
    process.exit(code);
  })();
  return stopping;
}

function banner(url: string, cluster: LocalCluster): void {
  const ports = `127.0.0.1:${cluster.redisPorts[0]}-${cluster.sentinelPorts[2]}`;
  say();
  say(
    `Sample app on ${url} (local HA cluster ${ports}, ${startedCluster ? 'started by this demo' : 'already running'})`,
  );
  say(`  curl -i ${url}/holidays/2026                 x-cache: miss, then hit`);
  say(`  curl -i -X POST ${url}/reports -H 'content-type: application/json' -d '{"month":"2026-05"}'`);
  say(`  curl ${url}/reports/<id>                    the id from the POST`);
  say(`  curl ${url}/health/ready   ${url}/health   ${url}/metrics`);
  say('Live failover: in another terminal run `npm run cluster:kill-master` (or `npm run cluster:failover`)');
  say(
    '  while you curl: requests ride through it (the old master stays down; add `-- --restart` to bring it back).',
  );
  say('Ctrl-C stops the demo.');
  say();
}

/** `npm run setup` when redis-server or redis-sentinel is not on PATH: it installs them or says how. */
function ensureRedis(): void {
  try {
    findBinary('redis');
    findBinary('sentinel');
  } catch {
    const setup = spawnSync('bash', [join(__dirname, 'ensure-redis.sh')], { stdio: 'inherit' });
    if (setup.status !== 0) throw new Error('Redis is not installed (see above)');
  }
}

async function main(): Promise<void> {
  ensureRedis();
  const up = await upCluster({ downAfterMs: 2000 });
  cluster = up.cluster;
  startedCluster = up.started;
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
