import type Redis from 'ioredis';
import { infoField, poll, query, toRecord } from './cluster-client';
import type { LocalCluster } from './local-cluster';

/** What a demoted master went through from the moment the watch started until it became a replica. */
export interface OldMasterReport {
  /** Writes it applied (`rdb_changes_since_last_save` grew): an app writing to it would lose them. */
  appliedWrites: number;
  /** Write commands and scripts it refused or failed (e.g. NOREPLICAS): someone still tried. */
  refusedWrites: number;
  /** Commands with calls, per `INFO commandstats` name (for the failure message). */
  commands: Record<string, string>;
  /** How long it still said `role:master` after the watch started. */
  masterForMs: number;
  /** `CLIENT LIST` entries of the `app` user (name, last command) seen when a write was applied. */
  writers: string[];
}

/** Commands that change data. Scripts (BullMQ runs everything as EVALSHA) count too: they may write. */
const WRITES =
  /^cmdstat_(set|setex|psetex|getset|getdel|getex|del|unlink|expire|pexpire|pexpireat|incr\w*|decr\w*|h\w*set\w*|hdel|hincr\w*|l\w*push\w*|l\w*pop|rpoplpush|lmove|lrem|lset|ltrim|z\w*add|zrem\w*|zincrby|s\w*add|srem|smove|spop|xadd|xtrim|xdel|xack|xclaim|xautoclaim|evalsha|eval|fcall|multi|exec|rename\w*|persist|copy|restore|flushdb|flushall)$/;

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
 * command statistics) until the node reports `role:slave`, counts what it applied and what it refused. The
 * figures are read while it still says `role:master`: once a replica, it applies its new master's stream.
 * Start it once the old master is back (restarted, resumed) and after the sentinels switched.
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
    const dirtyAtStart = Number(infoField(await admin.info('persistence'), 'rdb_changes_since_last_save'));
    let last = { dirty: dirtyAtStart, stats: {} as Record<string, Record<string, number>>, at: started };
    const writers = new Set<string>();
    await poll(
      `port ${port} to become a replica`,
      async () => {
        // Statistics first, then ROLE: if ROLE still says master, the statistics were taken while it was one.
        const [info, role] = await Promise.all([
          admin.call('INFO', 'persistence', 'commandstats') as Promise<string>,
          admin.call('ROLE') as Promise<string[]>,
        ]);
        if (role[0] !== 'master') return true;
        const dirty = Number(infoField(info, 'rdb_changes_since_last_save'));
        // A save resets the counter; a write between two polls then shows as a drop we cannot size: count 1.
        const applied = dirty >= last.dirty ? dirty - last.dirty : 1;
        last = { dirty: last.dirty + applied, stats: parseCommandStats(info), at: Date.now() };
        if (applied > 0) {
          const clients = (await admin.call('CLIENT', 'LIST')) as string;
          for (const line of clients.split('\n').filter((l) => / user=app /.test(l))) {
            writers.add(/ name=(\S*)/.exec(line)?.[1] + ' ' + / cmd=(\S*)/.exec(line)?.[1]);
          }
        }
        return false;
      },
      timeoutMs,
      100,
    );
    const writes = Object.entries(last.stats).filter(([name]) => WRITES.test(name));
    return {
      appliedWrites: last.dirty - dirtyAtStart,
      refusedWrites: writes.reduce((sum, [, s]) => sum + (s.rejected_calls ?? 0) + (s.failed_calls ?? 0), 0),
      commands: Object.fromEntries(
        Object.entries(last.stats).map(([name, s]) => [
          name.slice(8),
          `${s.calls}/${s.rejected_calls}/${s.failed_calls}`,
        ]),
      ),
      masterForMs: last.at - started,
      writers: [...writers],
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
