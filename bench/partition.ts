/**
 * `npm run bench:partition`: acknowledged writes lost through network partitions, the library (writer every
 * 5 ms, and durable writes: SET + WAIT 1 500) next to a raw ioredis Sentinel client with defaults, same run.
 *
 * Runs itself in a private network namespace (`unshare -n`, root): every Redis node and sentinel on its own
 * 127.0.0.x and uid, links cut with `ip rule … blackhole` (tools/cluster/netns.ts), the committed replication
 * settings of `redis/`, down-after-milliseconds DOWN_AFTER_MS (2000). Scenarios (SCENARIOS=a,b to pick):
 * - isolated-master: the master cut from the sentinels and the replicas; the app still reaches every node;
 * - minority: the same, and the app cut from the sentinels and the replicas (it reaches only the old master);
 * - replica-isolated: the replica the library's reader uses cut from the master (REDIS_READ_FROM=replica);
 * - switchover: a planned `SENTINEL FAILOVER`, no partition;
 * - lone-sentinel: one sentinel cut from everything;
 * - app-master: the app cut from the master only;
 * - healed-early: the master isolated for 1 s (less than down-after), then healed.
 * Prints one JSON line per scenario on stderr, and last on stdout:
 * {"isolatedMasterLostAcked":…,"rawIsolatedMasterLostAcked":…,"minorityLostAcked":…,"rawMinorityLostAcked":…,
 *  "durableLost":…,"durableFailedButApplied":…,"minorityReadyDownAfterMs":…,"replicaMaxLagMs":…,
 *  "switchoverResumeAfterSwitchMs":…}
 */
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { inPrivateNetwork, partitionUnsupported, privateNetworkCommand } from '../tools/cluster/netns';
import { note, printResult, runBench } from './lib/stats';
import { SCENARIOS, type ScenarioResult } from './lib/partition-scenarios';

const BASE_PORT = Number(process.env.BASE_PORT ?? 27710);

async function main(): Promise<void> {
  const picked = (process.env.SCENARIOS ?? Object.keys(SCENARIOS).join(',')).split(',');
  const results: Record<string, ScenarioResult> = {};
  for (const [i, name] of picked.entries()) {
    const scenario = SCENARIOS[name];
    if (!scenario)
      throw new Error(`SCENARIOS: unknown scenario "${name}" (${Object.keys(SCENARIOS).join(', ')})`);
    note(`--- ${name}`);
    results[name] = await scenario(BASE_PORT + i * 10, name);
    note(`${name}: ${JSON.stringify(results[name])}`);
  }
  const pick = (scenario: string, field: string) => results[scenario]?.[field] ?? -1;
  const durable = ['isolated-master', 'minority'].filter((s) => results[s]);
  printResult({
    isolatedMasterLostAcked: pick('isolated-master', 'libLost'),
    rawIsolatedMasterLostAcked: pick('isolated-master', 'rawLost'),
    minorityLostAcked: pick('minority', 'libLost'),
    rawMinorityLostAcked: pick('minority', 'rawLost'),
    durableLost: durable.reduce((n, s) => n + Number(results[s].durableLost), 0),
    durableFailedButApplied: durable.reduce((n, s) => n + Number(results[s].durableFailedButApplied), 0),
    minorityReadyDownAfterMs: pick('minority', 'readyDownAfterMs'),
    replicaMaxLagMs: pick('replica-isolated', 'maxLagMs'),
    switchoverResumeAfterSwitchMs: pick('switchover', 'resumeAfterSwitchMs'),
  });
}

if (inPrivateNetwork()) {
  runBench(main);
} else {
  const unsupported = partitionUnsupported();
  if (unsupported) {
    process.stderr.write(`bench:partition cannot run on this machine: ${unsupported}\n`);
    process.exit(2);
  }
  // Again, inside a new network namespace: the partitions never touch this machine's own network.
  const [command, ...args] = privateNetworkCommand([
    process.execPath,
    require.resolve('ts-node/dist/bin.js'),
    '--transpile-only',
    __filename,
  ]);
  const child = spawnSync(command, args, { stdio: 'inherit', env: process.env });
  process.exit(child.status ?? 1);
}
