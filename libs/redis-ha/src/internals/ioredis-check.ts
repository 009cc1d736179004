import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Redis, { AbstractConnector, Cluster } from 'ioredis';
import { checkInternals, installedVersion, runOnce, type AssertInternalsOptions } from './check-internals';

export const IOREDIS_SUPPORTED = '6.x (tested with 6.0.0)';

const isDeque = (value: unknown): boolean =>
  typeof (value as { length?: unknown } | undefined)?.length === 'number' &&
  typeof (value as { peekAt?: unknown }).peekAt === 'function';

/**
 * The ioredis internals of internals/ioredis.ts that are missing or changed in the installed ioredis. Builds a
 * lazyConnect client and a Command: no socket is opened. `stream` is set only on connect, so its assignment is
 * looked for in the client's source instead.
 */
export function probeIoredisInternals(): string[] {
  const missing: string[] = [];
  const client = new Redis({ lazyConnect: true });
  if (!isDeque(client.commandQueue)) missing.push('Redis#commandQueue (a deque with length and peekAt)');
  if (!isDeque((client as unknown as { offlineQueue?: unknown }).offlineQueue))
    missing.push('Redis#offlineQueue (a deque with length and peekAt)');
  if (!/self\.prevCommandQueue = self\.commandQueue/.test(eventHandlerSource()))
    missing.push('Redis#prevCommandQueue (commands written on a connection that closed)');
  if (typeof client.sendCommand !== 'function') missing.push('Redis#sendCommand');
  if (typeof (client as unknown as { resetOfflineQueue?: unknown }).resetOfflineQueue !== 'function')
    missing.push('Redis#resetOfflineQueue');
  if (!/this\.condition\s*=/.test(Redis.toString())) missing.push('Redis#condition (the selected db)');
  if (!/\.stream\s*=/.test(Redis.toString())) missing.push('Redis#stream (the current socket)');
  const command = new Redis.Command('get', ['redis-ha:internals-probe']);
  if (typeof command.isSettled !== 'boolean') missing.push('Command#isSettled');
  if (!(command.promise instanceof Promise)) missing.push('Command#promise');
  if (typeof command.resolve !== 'function' || typeof command.reject !== 'function')
    missing.push('Command#resolve / Command#reject');
  command.resolve(null); // settles the probe's promise
  if (typeof AbstractConnector?.prototype?.check !== 'function') missing.push('AbstractConnector#check');
  const cluster = new Cluster([{ host: '127.0.0.1', port: 6379 }], { lazyConnect: true });
  if (!isDeque((cluster as unknown as { offlineQueue?: unknown }).offlineQueue))
    missing.push('Cluster#offlineQueue (a deque with length and peekAt)');
  if (!/this\.stream\b/.test(String(AbstractConnector?.prototype?.disconnect)))
    missing.push('AbstractConnector#stream (the socket its disconnect() ends)');
  return missing;
}

/** ioredis' connection event handlers (where `prevCommandQueue` is filled), or '' if the file moved. */
function eventHandlerSource(): string {
  try {
    const entry = createRequire(__filename).resolve('ioredis');
    return readFileSync(join(dirname(entry), 'redis', 'event_handler.js'), 'utf8');
  } catch {
    return '';
  }
}

const state = { done: false };

/**
 * Throws if the installed ioredis lacks an internal the library uses (see internals/ioredis.ts). Runs its probe
 * once per process; `options` fake the version or the probe in tests.
 */
export function assertIoredisInternals(options: AssertInternalsOptions = {}): void {
  runOnce(state, options, (version, probe) =>
    checkInternals({
      pkg: 'ioredis',
      version: version ?? installedVersion('ioredis'),
      supported: IOREDIS_SUPPORTED,
      missing: (probe ?? probeIoredisInternals)(),
    }),
  );
}
