import { infoField, query, toRecord, type Credentials } from './cluster-client';
import { MASTER_NAME } from './cluster-config';
import type { ManagedProcess } from './cluster-process';

/** One process of the cluster as `cluster.status()` / `npm run cluster:status` report it. */
export interface NodeStatus {
  kind: 'redis' | 'sentinel';
  port: number;
  pid?: number;
  /** 'master' | 'slave' for Redis, 'sentinel', or 'down' when not running / not answering within 1 s. */
  role: string;
  /** Redis replica: its master's port; sentinel: the master it names. */
  masterPort?: number;
  /** Replica: `master_link_status` (up | down). */
  link?: string;
  /** Redis: `master_repl_offset`. */
  offset?: number;
  /** Sentinel: config epoch, replicas and other sentinels it knows, CKQUORUM result. */
  configEpoch?: number;
  replicas?: number;
  otherSentinels?: number;
  quorum?: string;
  error?: string;
}

export type ClusterStatus = NodeStatus[];

async function redisStatus(proc: ManagedProcess, creds: Credentials): Promise<Partial<NodeStatus>> {
  const info = await query<string>(proc.port, creds, 'INFO', 'replication');
  const role = infoField(info, 'role') ?? 'unknown';
  const masterPort = infoField(info, 'master_port');
  return {
    role,
    masterPort: role === 'slave' && masterPort ? Number(masterPort) : undefined,
    link: role === 'slave' ? infoField(info, 'master_link_status') : undefined,
    offset: Number(infoField(info, 'master_repl_offset') ?? NaN),
  };
}

async function sentinelStatus(proc: ManagedProcess, creds: Credentials): Promise<Partial<NodeStatus>> {
  const master = toRecord(await query(proc.port, creds, 'SENTINEL', 'MASTER', MASTER_NAME));
  // The address clients are given (during a failover it can differ from SENTINEL MASTER's, see master()).
  const addr = await query<string[] | null>(
    proc.port,
    creds,
    'SENTINEL',
    'GET-MASTER-ADDR-BY-NAME',
    MASTER_NAME,
  );
  const quorum = await query<string>(proc.port, creds, 'SENTINEL', 'CKQUORUM', MASTER_NAME).catch(
    (err: Error) => err.message,
  );
  return {
    role: 'sentinel',
    masterPort: Number(addr?.[1] ?? master.port),
    configEpoch: Number(master['config-epoch']),
    replicas: Number(master['num-slaves']),
    otherSentinels: Number(master['num-other-sentinels']),
    quorum: quorum.startsWith('OK') ? 'OK' : quorum,
  };
}

export async function clusterStatus(
  procs: ManagedProcess[],
  creds: Credentials,
  isRunning: (port: number) => boolean,
): Promise<ClusterStatus> {
  return Promise.all(
    procs.map(async (proc): Promise<NodeStatus> => {
      const base = { kind: proc.kind, port: proc.port };
      if (!isRunning(proc.port)) return { ...base, role: 'down' };
      try {
        const details =
          proc.kind === 'redis' ? await redisStatus(proc, creds) : await sentinelStatus(proc, creds);
        return { ...base, pid: proc.pid, role: 'unknown', ...details };
      } catch (err) {
        return { ...base, pid: proc.pid, role: 'down', error: (err as Error).message };
      }
    }),
  );
}
