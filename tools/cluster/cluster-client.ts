import Redis, { type RedisOptions } from 'ioredis';
import { connect } from 'node:net';
import { tlsOptions, type TlsFiles } from './tls-material';

/** Short-lived admin connections and polling for the launcher: fail fast, never reconnect, never queue. */
export interface Credentials {
  username: string;
  password: string;
  /** The node speaks TLS only (a cluster started with `tls`): trust this CA, present this certificate. */
  tls?: TlsFiles;
}

export function clientOptions(port: number, creds: Credentials): RedisOptions {
  const { username, password } = creds;
  const tls = creds.tls ? tlsOptions(creds.tls) : undefined;
  return { host: '127.0.0.1', port, username, password, tls, lazyConnect: true };
}

/** One command on a fresh connection; rejects when the server is down, paused (1 s) or refuses. */
export async function query<T = unknown>(
  port: number,
  creds: Credentials,
  ...args: (string | number)[]
): Promise<T> {
  const client = new Redis({
    ...clientOptions(port, creds),
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: 1_000,
    commandTimeout: 1_000,
    enableReadyCheck: false, // users without INFO (replicator) must get their command's own answer
  });
  client.on('error', () => undefined); // the rejection below carries it
  try {
    await client.connect();
    return (await client.call(String(args[0]), ...args.slice(1).map(String))) as T;
  } finally {
    client.disconnect();
  }
}

/** `SENTINEL MASTER` and friends answer flat [k1, v1, k2, v2...] arrays. */
export function toRecord(flat: unknown): Record<string, string> {
  const list = flat as string[];
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) record[list[i]] = list[i + 1];
  return record;
}

export function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

/**
 * Calls `probe` every `intervalMs` until it returns a value other than undefined/false; errors count as
 * "not yet". Throws after `timeoutMs` with `what` and the last error or value seen.
 */
export async function poll<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (err) {
      last = err instanceof Error ? err.message : err;
    }
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last)})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(1_000, () => done(true)); // a paused server accepts nothing yet holds the port
  });
}
