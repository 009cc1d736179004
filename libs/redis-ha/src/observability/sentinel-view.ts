import type { HostPort } from '../config/connection.config';

/** A replica as one sentinel sees it (`SENTINEL REPLICAS`). */
export interface SentinelReplicaView {
  address: string;
  flags: string[];
  /** `master-link-status` of the replica: `ok` or `err`. */
  linkStatus?: string;
  offset?: number;
}

/** What one sentinel answered (or why it did not). Addresses are after `REDIS_NAT_MAP`. */
export interface SentinelView {
  sentinel: string;
  reachable: boolean;
  error?: string;
  rttMs?: number;
  /** The master address this sentinel names. */
  master?: string;
  masterFlags?: string[];
  configEpoch?: number;
  quorum?: number;
  /** Sentinels this one knows besides itself (`num-other-sentinels`). */
  otherSentinels?: number;
  /** `SENTINEL CKQUORUM`: whether this sentinel can reach a quorum and a majority to authorize a failover. */
  ckquorum?: { ok: boolean; message: string };
  replicas?: SentinelReplicaView[];
}

export interface SentinelSnapshot {
  masterName: string;
  at: number;
  views: SentinelView[];
}

export function hostPort(address: HostPort): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** `['k1', 'v1', 'k2', 'v2']` (a Sentinel reply in RESP2) as an object. */
export function pairs(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
  return out;
}

/** Maps an address a sentinel announces to the one this process reaches it at (`REDIS_NAT_MAP`). */
export function natAddress(ip: string, port: string | number, natMap?: Record<string, HostPort>): string {
  const mapped = natMap?.[`${ip}:${port}`];
  return mapped ? hostPort(mapped) : hostPort({ host: ip, port: Number(port) });
}

/** Parses the replies of `SENTINEL MASTER`, `SENTINEL CKQUORUM` and `SENTINEL REPLICAS` into a view. */
export function parseSentinelReplies(
  sentinel: string,
  master: unknown,
  ckquorum: { ok: boolean; message: string },
  replicas: unknown,
  natMap?: Record<string, HostPort>,
): SentinelView {
  const m = pairs(master);
  const list = Array.isArray(replicas) ? replicas.map(pairs) : [];
  return {
    sentinel,
    reachable: true,
    master: m.ip && m.port ? natAddress(m.ip, m.port, natMap) : undefined,
    masterFlags: m.flags ? m.flags.split(',') : undefined,
    configEpoch: m['config-epoch'] !== undefined ? Number(m['config-epoch']) : undefined,
    quorum: m.quorum !== undefined ? Number(m.quorum) : undefined,
    otherSentinels: m['num-other-sentinels'] !== undefined ? Number(m['num-other-sentinels']) : undefined,
    ckquorum,
    replicas: list.map((r) => ({
      address: natAddress(r.ip, r.port, natMap),
      flags: (r.flags ?? '').split(',').filter(Boolean),
      linkStatus: r['master-link-status'],
      offset: r['slave-repl-offset'] !== undefined ? Number(r['slave-repl-offset']) : undefined,
    })),
  };
}
