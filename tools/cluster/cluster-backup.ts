import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { infoField, poll, query, type Credentials } from './cluster-client';

/**
 * Backup and restore of the local cluster's data: an RDB snapshot of the master (BGSAVE, then a copy of
 * its dump.rdb), and the steps that load one into a fresh cluster (see LocalClusterOptions.restoreFrom).
 */
export interface BackupResult {
  /** Port of the master the snapshot was taken on. */
  port: number;
  file: string;
  bytes: number;
  /** Keys in the master's db0 when the snapshot was taken. */
  keys: number;
  tookMs: number;
}

async function persistence(port: number, creds: Credentials): Promise<string> {
  return query<string>(port, creds, 'INFO', 'persistence');
}

/** BGSAVE on `port`, waits for that save (not an older one) to finish, copies `<nodeDir>/dump.rdb` to `file`. */
export async function backupNode(
  port: number,
  nodeDir: string,
  creds: Credentials,
  file: string,
  timeoutMs = 60_000,
): Promise<BackupResult> {
  const started = Date.now();
  const savesBefore = Number(infoField(await persistence(port, creds), 'rdb_saves'));
  const keys = Number(await query(port, creds, 'DBSIZE'));
  // SCHEDULE: when an AOF rewrite is running the save starts right after it instead of failing.
  await query(port, creds, 'BGSAVE', 'SCHEDULE');
  await poll(
    `BGSAVE on port ${port}`,
    async () => {
      const info = await persistence(port, creds);
      if (infoField(info, 'rdb_last_bgsave_status') !== 'ok')
        throw new Error('the last BGSAVE failed (see the log)');
      return (
        Number(infoField(info, 'rdb_saves')) > savesBefore &&
        infoField(info, 'rdb_bgsave_in_progress') === '0'
      );
    },
    timeoutMs,
    25,
  );
  mkdirSync(dirname(file), { recursive: true });
  copyFileSync(join(nodeDir, 'dump.rdb'), file);
  return { port, file, bytes: statSync(file).size, keys, tookMs: Date.now() - started };
}

/**
 * A restored master starts with `appendonly no` (with AOF on, Redis would ignore the RDB and start empty);
 * once it has loaded the RDB, AOF is turned on (Redis writes the AOF from the loaded data) and the config
 * is rewritten so that a restart keeps AOF.
 */
export async function enableAofAfterRestore(
  port: number,
  creds: Credentials,
  timeoutMs = 60_000,
): Promise<void> {
  await query(port, creds, 'CONFIG', 'SET', 'appendonly', 'yes');
  await poll(
    `the AOF of the restored master on port ${port}`,
    async () => {
      const info = await persistence(port, creds);
      return infoField(info, 'aof_enabled') === '1' && infoField(info, 'aof_rewrite_in_progress') === '0'
        ? infoField(info, 'aof_rewrite_scheduled') === '0'
        : false;
    },
    timeoutMs,
    25,
  );
  await query(port, creds, 'CONFIG', 'REWRITE');
}
