import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The sample app as its own process (`apps/sample/src/main.ts` under ts-node), as a user runs it. */
export interface SampleProcess {
  child: ChildProcess;
  url: string;
  /** Every line it wrote, stdout and stderr, in order. */
  lines: string[];
  /** Resolves when it exits: its exit code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` (default SIGTERM) and waits for the exit; SIGKILL after `timeoutMs`. */
  stop(
    signal?: NodeJS.Signals,
    timeoutMs?: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the app with exactly `env` (plus PATH) on `port` and resolves once it logged that it listens; `from`
 * the repo's sources under ts-node unless told otherwise (test/helpers/sample-on-nest.ts runs another build).
 * Rejects with its output when it exits first or takes longer than `timeoutMs` (ts-node compiles it first).
 */
export async function spawnSample(
  env: Record<string, string>,
  port: number,
  timeoutMs = 60_000,
  from: { cwd: string; args: string[] } = {
    cwd: ROOT,
    args: ['-r', 'ts-node/register/transpile-only', 'apps/sample/src/main.ts'],
  },
): Promise<SampleProcess> {
  const child = spawn(process.execPath, from.args, {
    cwd: from.cwd,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (stream: NodeJS.ReadableStream) => {
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop()!;
      lines.push(...parts.filter((l) => l !== ''));
    });
  };
  collect(child.stdout!);
  collect(child.stderr!);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', stopTimeoutMs = 20_000) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  const listening = new Promise<void>((resolve, reject) => {
    const started = Date.now();
    const check = setInterval(() => {
      if (lines.some((l) => l.includes('listening on'))) {
        clearInterval(check);
        resolve();
      } else if (child.exitCode !== null || child.signalCode !== null || Date.now() - started > timeoutMs) {
        clearInterval(check);
        reject(new Error(`the sample app did not start:\n${lines.slice(-20).join('\n')}`));
      }
    }, 50);
  });
  try {
    await listening;
  } catch (err) {
    await stop('SIGKILL');
    throw err;
  }
  return { child, url: `http://127.0.0.1:${port}`, lines, exited, stop };
}
