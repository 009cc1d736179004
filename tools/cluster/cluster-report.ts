import { infoField, query, toRecord } from './cluster-client';
import { MASTER_NAME } from './cluster-config';
import type { LocalCluster } from './local-cluster';

/** Human-readable reports of the local cluster for `scripts/cluster.ts` (status, health, sentinel-status). */
export async function printStatus(cluster: LocalCluster): Promise<void> {
  for (const node of await cluster.status()) {
    const head = `${node.kind.padEnd(8)} 127.0.0.1:${node.port}  pid ${String(node.pid ?? '-').padEnd(7)}`;
    if (node.role === 'down') console.log(`${head} down${node.error ? ` (${node.error})` : ''}`);
    else if (node.kind === 'sentinel') {
      console.log(
        `${head} master ${node.masterPort}  epoch ${node.configEpoch}  replicas ${node.replicas}  ` +
          `other sentinels ${node.otherSentinels}  quorum ${node.quorum}`,
      );
    } else if (node.role === 'slave') {
      console.log(`${head} replica of ${node.masterPort}  link ${node.link}  offset ${node.offset}`);
    } else console.log(`${head} ${node.role}  offset ${node.offset}`);
  }
}

/** Prints one line per check; resolves true when all pass. */
export async function printHealth(cluster: LocalCluster): Promise<boolean> {
  let healthy = true;
  const check = async (name: string, probe: () => Promise<string>) => {
    try {
      console.log(`ok    ${name}: ${await probe()}`);
    } catch (err) {
      healthy = false;
      console.log(`FAIL  ${name}: ${(err as Error).message}`);
    }
  };
  const status = await cluster.status();
  await check('processes', async () => {
    const down = status.filter((n) => n.role === 'down').map((n) => `${n.kind} ${n.port}`);
    if (down.length > 0) throw new Error(`down: ${down.join(', ')}`);
    return `${status.length} running`;
  });
  const master = await cluster.master().catch(() => undefined);
  await check('sentinels agree on the master', async () => {
    const named = new Set(
      status.filter((n) => n.kind === 'sentinel' && n.role !== 'down').map((n) => n.masterPort),
    );
    if (named.size !== 1) throw new Error(`they name ${[...named].join(', ')}`);
    const role = status.find((n) => n.port === master)?.role;
    if (role !== 'master') throw new Error(`${master} answers role ${role}`);
    return String(master);
  });
  const masterOffset = status.find((n) => n.port === master)?.offset ?? 0;
  for (const node of status.filter((n) => n.kind === 'redis' && n.port !== master)) {
    await check(`replica ${node.port}`, async () => {
      if (node.role !== 'slave' || node.masterPort !== master || node.link !== 'up') {
        throw new Error(`role ${node.role}, master ${node.masterPort}, link ${node.link}`);
      }
      return `link up, ${masterOffset - (node.offset ?? 0)} bytes behind`;
    });
  }
  for (const node of status.filter((n) => n.kind === 'sentinel')) {
    await check(`sentinel ${node.port} quorum`, async () => {
      if (node.quorum !== 'OK') throw new Error(node.quorum ?? node.error ?? 'down');
      return `OK (${node.otherSentinels} other sentinels)`;
    });
  }
  await check('app user writes and reads through the master', async () => {
    const creds = cluster.appCredentials();
    const key = `app:cluster-health:${process.pid}`;
    await query(master ?? cluster.redisPorts[0], creds, 'SET', key, 'ok', 'PX', 10_000);
    return `${await query(master ?? cluster.redisPorts[0], creds, 'GET', key)}`;
  });
  await check('persistence on the master', async () => {
    const info = await query<string>(
      master ?? cluster.redisPorts[0],
      cluster.adminCredentials(),
      'INFO',
      'persistence',
    );
    const aof = infoField(info, 'aof_enabled') === '1' && infoField(info, 'aof_last_write_status') === 'ok';
    if (!aof || infoField(info, 'rdb_last_bgsave_status') !== 'ok')
      throw new Error('AOF off or a failed save');
    return `AOF on, last RDB save ok, ${infoField(info, 'rdb_changes_since_last_save')} changes since`;
  });
  console.log(healthy ? '\nhealthy' : '\nUNHEALTHY');
  return healthy;
}

export async function printSentinelStatus(cluster: LocalCluster): Promise<void> {
  const creds = cluster.adminCredentials();
  for (const port of cluster.sentinelPorts) {
    if (!cluster.isRunning(port)) {
      console.log(`sentinel ${port}: down\n`);
      continue;
    }
    try {
      const m = toRecord(await query(port, creds, 'SENTINEL', 'MASTER', MASTER_NAME));
      const replicas = (await query<unknown[]>(port, creds, 'SENTINEL', 'REPLICAS', MASTER_NAME)).map(
        toRecord,
      );
      const peers = (await query<unknown[]>(port, creds, 'SENTINEL', 'SENTINELS', MASTER_NAME)).map(toRecord);
      const quorum = await query<string>(port, creds, 'SENTINEL', 'CKQUORUM', MASTER_NAME).catch(
        (e: Error) => e.message,
      );
      console.log(`sentinel ${port}: ${MASTER_NAME} at ${m.ip}:${m.port} flags ${m.flags}`);
      console.log(`  config-epoch ${m['config-epoch']}  quorum ${m.quorum}  ${quorum}`);
      console.log(
        `  down-after ${m['down-after-milliseconds']} ms  failover-timeout ${m['failover-timeout']} ms`,
      );
      for (const r of replicas) {
        console.log(
          `  replica ${r.ip}:${r.port} flags ${r.flags} link ${r['master-link-status']} offset ${r['slave-repl-offset']}`,
        );
      }
      for (const s of peers)
        console.log(
          `  sentinel ${s.ip}:${s.port} flags ${s.flags} last ping reply ${s['last-ping-reply']} ms`,
        );
      console.log('');
    } catch (err) {
      console.log(`sentinel ${port}: ${(err as Error).message}\n`);
    }
  }
}
