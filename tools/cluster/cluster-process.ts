import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readFileSync, readlinkSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Process control for the local cluster: spawn `redis-server` / `redis-sentinel` from a config file, signal
 * them by pid, wait for them to exit, and kill what is still running when the test process dies.
 */
export type ProcessKind = 'redis' | 'sentinel';

export const INSTALL_HINT =
  'Install Redis 7: `apt-get install -y redis-server redis-sentinel redis-tools` (Debian/Ubuntu), ' +
  'or run `npm run setup` (does it for you as root), or `brew install redis` on macOS.';

const BINARIES: Record<ProcessKind, string> = { redis: 'redis-server', sentinel: 'redis-sentinel' };

export function findBinary(kind: ProcessKind): string {
  const name = BINARIES[kind];
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this PATH entry
    }
  }
  throw new Error(`\`${name}\` was not found on PATH. ${INSTALL_HINT}`);
}

/** A server this launcher started (or, after `attach()`, one a previous launcher started). */
export interface ManagedProcess {
  kind: ProcessKind;
  port: number;
  /** The address it listens on besides 127.0.0.1, and connects out from (127.0.0.1 unless partitionable). */
  host: string;
  /** The uid (and gid) it runs as; this process's own when undefined. */
  uid?: number;
  /** Also the process's working directory and Redis `dir`: how a pid is recognised as ours. */
  dir: string;
  confPath: string;
  logPath: string;
  pid?: number;
  /** Present when this Node process spawned it (then exit is observed instead of polled). */
  child?: ChildProcess;
  /** Set while it runs; resolves when it exits. */
  exited?: Promise<void>;
}

export function spawnServer(proc: ManagedProcess, detached: boolean): void {
  const ids = proc.uid === undefined ? {} : { uid: proc.uid, gid: proc.uid };
  const child = spawn(findBinary(proc.kind), [proc.confPath], {
    ...{ cwd: proc.dir, stdio: 'ignore', detached },
    ...ids,
  });
  if (child.pid === undefined) throw new Error(`could not start ${BINARIES[proc.kind]} on port ${proc.port}`);
  proc.pid = child.pid;
  proc.child = child;
  proc.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  child.once('error', () => undefined); // reported through 'exit' and the log; never an unhandled error
  if (detached) child.unref();
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True when `pid` is still the Redis process started in `proc.dir` (guards against pid reuse after a
 * reboot or a crash: `cluster:down` must never signal a stranger). Without /proc, trusts the pid.
 */
export function isOurs(proc: ManagedProcess): boolean {
  if (proc.pid === undefined || !isAlive(proc.pid)) return false;
  if (proc.child) return proc.child.exitCode === null && proc.child.signalCode === null;
  try {
    const cmdline = readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8');
    return cmdline.includes('redis') && readlinkSync(`/proc/${proc.pid}/cwd`) === proc.dir;
  } catch {
    return process.platform !== 'linux';
  }
}

export function signal(proc: ManagedProcess, sig: NodeJS.Signals): boolean {
  if (!isOurs(proc)) return false;
  try {
    process.kill(proc.pid!, sig);
    return true;
  } catch {
    return false;
  }
}

export async function waitForExit(proc: ManagedProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  if (proc.exited && proc.child) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`pid ${proc.pid} (port ${proc.port}) did not exit`)),
        timeoutMs,
      );
    });
    await Promise.race([proc.exited, timeout]).finally(() => clearTimeout(timer));
    return;
  }
  while (proc.pid !== undefined && isAlive(proc.pid)) {
    if (Date.now() > deadline) throw new Error(`pid ${proc.pid} (port ${proc.port}) did not exit`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Stops a process and waits until it is gone; SIGKILL is the fallback when SIGTERM is not enough. */
export async function stopProcess(proc: ManagedProcess, sig: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (!signal(proc, sig)) return;
  if (sig === 'SIGSTOP') return;
  // A paused (SIGSTOP) process only acts on SIGTERM once continued.
  if (sig !== 'SIGKILL') signal(proc, 'SIGCONT');
  try {
    await waitForExit(proc, sig === 'SIGKILL' ? 5_000 : 15_000);
  } catch {
    signal(proc, 'SIGCONT');
    signal(proc, 'SIGKILL');
    await waitForExit(proc, 5_000);
  }
}

export function logTail(proc: ManagedProcess, lines = 15): string {
  try {
    return readFileSync(proc.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// --- Cleanup when the test process ends without calling stop() (a crash, Ctrl-C, a killed Jest) ---

const owned = new Set<() => void>();
let hooked = false;

/** Registers a synchronous cleanup run on exit / SIGINT / SIGTERM / SIGHUP; returns its unregister. */
export function onProcessExit(cleanup: () => void): () => void {
  owned.add(cleanup);
  if (!hooked) {
    hooked = true;
    process.on('exit', runAll);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(sig, () => {
        runAll();
        // Let the signal's default (or another handler) end the process as it would have without us.
        if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
      });
    }
  }
  return () => owned.delete(cleanup);
}

function runAll(): void {
  for (const cleanup of [...owned]) {
    owned.delete(cleanup);
    try {
      cleanup();
    } catch {
      // best effort: the process is going away
    }
  }
}
