import type Redis from 'ioredis';
import { poll, query, toRecord } from '../../tools/cluster/cluster-client';
import type { LocalCluster } from '../../tools/cluster/local-cluster';

/** What a demoted master went through from the moment the watch started until it became a replica. */
export interface OldMasterReport {
  /** Write commands and scripts it ran (`INFO commandstats`): an app writing to it would lose them. */
  appliedWrites: number;
  /** Write commands and scripts it refused or failed (e.g. NOREPLICAS): someone still tried. */
  refusedWrites: number;
  /** Commands with calls, as `calls/rejected/failed` per command (for a failure's message). */
  commands: Record<string, string>;
  /** How long it still said `role:master` after the watch started. */
  masterForMs: number;
  /** Names of the connections of the `app` user seen on it while it said `role:master`. */
  appClients: string[];
}

/**
 * Commands that change data; scripts count too (BullMQ runs everything as EVALSHA, and a demoted master should
 * see none of the app's). Commands inside MULTI/EXEC are counted one by one. Not `rdb_changes_since_last_save`:
 * a BGSAVE (`save 60 10000` triggers under the test's load) resets it in the middle of the watch.
 */
const WRITES =
  /^cmdstat_(set|setex|psetex|setnx|mset\w*|getset|getdel|getex|del|unlink|expire\w*|pexpire\w*|incr\w*|decr\w*|append|h\w*set\w*|hdel|hincr\w*|l\w*push\w*|l\w*pop|rpoplpush|lmove|lrem|lset|ltrim|z\w*add|zrem\w*|zincrby|zpop\w*|s\w*add|srem|smove|spop|xadd|xtrim|xdel|xack|xclaim|xautoclaim|xgroup\S*|evalsha\w*|eval\w*|fcall\w*|rename\w*|persist|copy|restore|flushdb|flushall)$/;

function parseCommandStats(info: string): Record<string, Record<string, number>> {
  const stats: Record<string, Record<string, number>> = {};
  for (const line of info.split('\r\n')) {
    const m = /^(cmdstat_[^:]+):(.*)$/.exec(line.trim());
    if (!m) continue;
    stats[m[1]] = Object.fromEntries(
      m[2].split(',').map((kv) => {
        const [k, v] = kv.split('=');
        return [k, Number(v)];
      }),
    );
  }
  return stats;
}

/**
 * "The old master rejoins as a replica and the app never writes to it": from now (the watch resets the node's
 * command statistics) until the node reports `role:slave`, counts the writes it ran and refused, and which app
 * connections were on it. The figures are read while it still says `role:master`: once a replica, it runs its
 * new master's stream. Start it once the old master is back (restarted, resumed) and after the switch.
 */
export async function watchOldMaster(
  cluster: LocalCluster,
  port: number,
  timeoutMs = 40_000,
): Promise<OldMasterReport> {
  const admin: Redis = cluster.admin(port);
  admin.on('error', () => undefined);
  try {
    const started = Date.now();
    await admin.config('RESETSTAT');
    let last = { stats: {} as Record<string, Record<string, number>>, at: started };
    const appClients = new Set<string>();
    await poll(
      `port ${port} to become a replica`,
      async () => {
        // Statistics first, then ROLE: if ROLE still says master, the statistics were taken while it was one.
        const stats = parseCommandStats((await admin.call('INFO', 'commandstats')) as string);
        const clients = (await admin.call('CLIENT', 'LIST')) as string;
        const role = (await admin.call('ROLE')) as string[];
        if (role[0] !== 'master') return true;
        last = { stats, at: Date.now() };
        for (const line of clients.split('\n').filter((l) => / user=app /.test(l))) {
          appClients.add(/ name=(\S*)/.exec(line)?.[1] ?? '?');
        }
        return false;
      },
      timeoutMs,
      100,
    );
    const writes = Object.entries(last.stats)
      .filter(([name]) => WRITES.test(name))
      .map(([, s]) => s);
    return {
      appliedWrites: writes.reduce((sum, s) => sum + (s.calls ?? 0) - (s.failed_calls ?? 0), 0),
      refusedWrites: writes.reduce((sum, s) => sum + (s.rejected_calls ?? 0) + (s.failed_calls ?? 0), 0),
      commands: Object.fromEntries(
        Object.entries(last.stats).map(([name, s]) => [
          name.slice('cmdstat_'.length),
          `${s.calls}/${s.rejected_calls}/${s.failed_calls}`,
        ]),
      ),
      masterForMs: last.at - started,
      appClients: [...appClients],
    };
  } finally {
    admin.disconnect();
  }
}

/**
 * `waitUntilHealthy()`, and every running sentinel sees every replica as a replica (`role-reported: slave`,
 * no `s_down`, link ok). Sentinels ask replicas for INFO only every 10 s: a sentinel that has not yet seen the
 * old master turn into a replica still takes it for a master that must be converted, and does so in the middle
 * of the next failover if it comes too soon (seen here: the next SENTINEL FAILOVER aborted with
 * `-failover-abort-slave-timeout` because a sentinel turned the freshly promoted replica back).
 */
export async function waitUntilSettled(cluster: LocalCluster, timeoutMs = 40_000): Promise<number> {
  const master = await cluster.waitUntilHealthy(timeoutMs);
  const admin = cluster.adminCredentials();
  await poll(
    'every sentinel to see both replicas as replicas',
    async () => {
      for (const port of cluster.sentinelPorts.filter((p) => cluster.isRunning(p))) {
        const replicas = (await query<unknown[]>(port, admin, 'SENTINEL', 'REPLICAS', 'mymaster')).map(
          toRecord,
        );
        const ok = (r: Record<string, string>) =>
          r.flags === 'slave' && r['role-reported'] === 'slave' && r['master-link-status'] === 'ok';
        if (replicas.length !== 2 || !replicas.every(ok)) return false;
      }
      return true;
    },
    timeoutMs,
    250,
  );
  return master;
}
