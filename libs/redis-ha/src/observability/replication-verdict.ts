import type { HostPort } from '../config/connection.config';
import { natAddress, type SentinelView } from './sentinel-view';

/** A replica as the master reports it in `INFO replication` (`slaveN:ip=…,port=…,state=…,offset=…,lag=…`). */
export interface ReplicaLink {
  address: string;
  /** `online` once the initial sync is done; `wait_bgsave`, `send_bulk` during a full sync. */
  state: string;
  offset: number;
  /** Bytes of the replication stream the replica has not acknowledged yet. */
  lagBytes: number;
  /** Seconds since the replica's last acknowledgement (replicas acknowledge every second). */
  lagSeconds: number;
}

export interface ReplicationInfo {
  role: string;
  masterOffset: number;
  replicas: ReplicaLink[];
}

/** Parses `INFO replication` as the master answers it; replica addresses go through `REDIS_NAT_MAP`. */
export function parseReplicationInfo(info: string, natMap?: Record<string, HostPort>): ReplicationInfo {
  const fields: Record<string, string> = {};
  for (const line of info.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0) fields[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  const masterOffset = Number(fields.master_repl_offset ?? 0);
  const replicas: ReplicaLink[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (!/^slave\d+$/.test(key)) continue;
    const kv = Object.fromEntries(value.split(',').map((p) => p.split('=') as [string, string]));
    const offset = Number(kv.offset ?? 0);
    replicas.push({
      address: natAddress(kv.ip ?? '?', kv.port ?? '0', natMap),
      state: kv.state ?? 'unknown',
      offset,
      lagBytes: Math.max(0, masterOffset - offset),
      lagSeconds: Number(kv.lag ?? 0),
    });
  }
  return { role: fields.role ?? 'unknown', masterOffset, replicas };
}

export interface ReplicationVerdict {
  status: 'up' | 'down';
  degraded: boolean;
  /** Replicas `online` whose last acknowledgement is within the lag bound. */
  inSync: number;
  problems: string[];
  /** Replicas the sentinels know that the master does not list as connected (stopped, partitioned). */
  missing: string[];
}

/**
 * `down` when fewer replicas than `HEALTH_MIN_REPLICAS` are connected and in sync (the master then refuses
 * writes with `min-replicas-to-write`, and a failover would have nothing to promote), or when the writer is not
 * a master. A lagging replica beyond the minimum is reported as `degraded`.
 */
export function judgeReplication(
  info: ReplicationInfo,
  minReplicas: number,
  maxLagSeconds: number,
  sentinelViews: readonly SentinelView[] = [],
): ReplicationVerdict {
  const problems: string[] = [];
  if (info.role !== 'master') {
    problems.push(`the writer is connected to a ${info.role}, not a master`);
    return { status: 'down', degraded: true, inSync: 0, problems, missing: [] };
  }
  const inSync = info.replicas.filter((r) => r.state === 'online' && r.lagSeconds <= maxLagSeconds);
  for (const r of info.replicas) {
    if (r.state !== 'online') problems.push(`replica ${r.address} is ${r.state} (not in sync yet)`);
    else if (r.lagSeconds > maxLagSeconds) {
      problems.push(
        `replica ${r.address} last acknowledged ${r.lagSeconds} s ago (HEALTH_MAX_REPLICATION_LAG_SECONDS is ${maxLagSeconds})`,
      );
    }
  }
  const connected = new Set(info.replicas.map((r) => r.address));
  const known = new Set(sentinelViews.flatMap((v) => (v.replicas ?? []).map((r) => r.address)));
  const missing = [...known].filter((a) => !connected.has(a)).sort();
  if (missing.length > 0)
    problems.push(`replicas known to the sentinels but not connected: ${missing.join(', ')}`);
  const enough = inSync.length >= minReplicas;
  if (!enough) {
    problems.unshift(
      `${inSync.length} replica(s) connected and in sync, HEALTH_MIN_REPLICAS is ${minReplicas}`,
    );
  }
  return {
    status: enough ? 'up' : 'down',
    degraded: problems.length > 0,
    inSync: inSync.length,
    problems,
    missing,
  };
}
