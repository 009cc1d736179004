import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LocalCluster } from '../tools/cluster/local-cluster';
import {
  JobLog,
  recordingProcessor,
  startQueueApp,
  waitUntil,
  type QueueApp,
  stopCluster,
} from './queue-e2e.helpers';

// SIGTERM to a worker process in the middle of its jobs: it stops taking jobs, lets the short ones finish, returns
// the long ones to the queue, and exits within QUEUE_SHUTDOWN_TIMEOUT_MS (plus Nest's own closing).
const SHUTDOWN_TIMEOUT_MS = 3000;
/** What the child may spend after the bound: returning jobs, closing connections (each bounded by 2 s), exiting. */
const EXIT_SLACK_MS = 4000;
jest.setTimeout(120_000);

interface Child {
  proc: ChildProcess;
  events: Array<{ kind: string; n?: number; at: number }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

function startChild(env: Record<string, string>): Child {
  const proc = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', join(__dirname, 'queue-shutdown.app.ts')],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const events: Child['events'] = [];
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    const [kind, n] = line.trim().split(' ');
    events.push({ kind, n: n === undefined ? undefined : Number(n), at: Date.now() });
  });
  let stderr = '';
  proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    proc.once('exit', (code, signal) => {
      if (code) process.stderr.write(`queue-shutdown.app exited with ${code}:\n${stderr}\n`);
      resolve({ code, signal, at: Date.now() });
    }),
  );
  return { proc, events, exited };
}

describe('SIGTERM during processing', () => {
  let cluster: LocalCluster;
  let producer: QueueApp | undefined;
  let child: Child | undefined;

  beforeAll(async () => {
    cluster = await LocalCluster.start({ basePort: 27320, downAfterMs: 2000, failoverTimeoutMs: 5000 });
  });

  afterAll(async () => {
    if (child && child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
    await producer?.close().catch(() => undefined);
    await stopCluster(cluster);
  });

  it('finishes short jobs, returns long ones to the queue, loses nothing and exits within the bound', async () => {
    const env = { ...cluster.env(), QUEUE_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) };
    producer = await startQueueApp(env, [{ name: 'shutdown' }]);
    const queue = producer.queue('shutdown');
    child = startChild(env);
    await waitUntil('the child app ready', () => child!.events.some((e) => e.kind === 'ready'), 60_000);

    // 3 jobs that end within the bound, 3 that would not, 10 more waiting behind them (concurrency 6).
    const jobs = [
      ...[1, 2, 3].map((n) => ({ n, ms: 1000 })),
      ...[4, 5, 6].map((n) => ({ n, ms: 60_000 })),
      ...Array.from({ length: 10 }, (_, i) => ({ n: 7 + i, ms: 10 })),
    ];
    for (const data of jobs.slice(0, 6)) await queue.add('job', data);
    await waitUntil(
      '6 jobs started',
      () => child!.events.filter((e) => e.kind === 'start').length === 6,
      20_000,
    );
    for (const data of jobs.slice(6)) await queue.add('job', data);

    const termAt = Date.now();
    child.proc.kill('SIGTERM');
    const exit = await child.exited;
    const took = exit.at - termAt;
    console.log(
      `SIGTERM: exited after ${took} ms (${exit.signal ?? exit.code}); child saw ${JSON.stringify(child.events.map((e) => `${e.kind}${e.n ?? ''}`))}`,
    );
    expect(took).toBeLessThanOrEqual(SHUTDOWN_TIMEOUT_MS + EXIT_SLACK_MS);
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    // Stopped taking jobs at once: nothing started after the signal.
    expect(child.events.filter((e) => e.kind === 'start' && e.at > termAt + 50)).toEqual([]);
    // The short jobs finished; nothing is left active; the long ones are back in the queue with the others.
    const counts = await queue.getJobCounts('active', 'waiting', 'completed', 'failed', 'delayed');
    expect(counts).toEqual({ active: 0, waiting: 13, completed: 3, failed: 0, delayed: 0 });

    // Another worker takes the rest: every job completes, none was lost.
    // Shorten the returned long jobs before a worker can take them, or one runs its full 60 s.
    for (const job of await queue.getWaiting()) await job.updateData({ ...job.data, ms: 5 });
    const log = new JobLog();
    const rest = await startQueueApp(env, [{ name: 'shutdown' }], [recordingProcessor('shutdown', log, 5)]);
    try {
      await waitUntil('the 13 remaining jobs done', () => log.completedAt.size === 13, 20_000);
      expect([...log.completedAt.keys()].sort((a, b) => a - b)).toEqual([
        4,
        5,
        6,
        ...Array.from({ length: 10 }, (_, i) => 7 + i),
      ]);
    } finally {
      await rest.close();
    }
  });
});
