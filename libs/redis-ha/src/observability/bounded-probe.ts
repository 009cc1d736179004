import { HealthCheckTimeoutError } from '../errors/health-check-timeout.error';
import { HealthProbeStuckError } from '../errors/health-probe-stuck.error';
import { currentSocket, type SocketHolder } from '../internals/ioredis';

/** What a probe needs of a client: ioredis' `Redis`, or the adapter BullMQ wraps around it. */
export interface ProbedClient extends SocketHolder {
  status: string;
}

interface InFlight {
  sentAt: number;
  stream: unknown;
}

/** Unanswered probes per client. A WeakMap so that closed clients are forgotten with them. */
const inFlight = new WeakMap<object, InFlight[]>();

/** `promise`, or a `HealthCheckTimeoutError` after `timeoutMs`, whichever comes first. */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, target: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HealthCheckTimeoutError(target, timeoutMs)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs `probe` against `client` and settles within `timeoutMs`, without piling commands up behind a hung socket:
 * - a client that is not `ready` (reconnecting, failover in progress) fails at once: nothing is sent;
 * - when an earlier probe on the same socket has been unanswered for longer than `timeoutMs` (a SIGSTOPped
 *   node keeps its TCP connection open, so ioredis still says `ready`), it fails at once too;
 * - otherwise the probe runs, bounded by `timeoutMs`.
 * A probe left unanswered by a hung node stays tracked until the socket answers or changes, so the next
 * health check knows without waiting.
 */
export function boundedProbe<T>(
  client: ProbedClient,
  target: string,
  timeoutMs: number,
  probe: () => Promise<T>,
): Promise<T> {
  if (client.status !== 'ready') {
    return Promise.reject(new Error(`${target} connection is ${client.status}`));
  }
  const now = Date.now();
  const socket = currentSocket(client);
  const pending = (inFlight.get(client) ?? []).filter((p) => p.stream === socket);
  const oldest = pending.reduce((min, p) => Math.min(min, p.sentAt), now);
  if (now - oldest >= timeoutMs) return Promise.reject(new HealthProbeStuckError(target, now - oldest));

  const entry: InFlight = { sentAt: now, stream: socket };
  pending.push(entry);
  inFlight.set(client, pending);
  const settled = () => {
    const list = inFlight.get(client);
    if (!list) return;
    const rest = list.filter((p) => p !== entry);
    if (rest.length > 0) inFlight.set(client, rest);
    else inFlight.delete(client);
  };
  const running = probe();
  running.then(settled, settled);
  return withTimeout(running, timeoutMs, target);
}

/** Milliseconds since `start` (`performance.now()`), rounded to 0.01 ms for reports. */
export function elapsedMs(start: number): number {
  return Math.round((performance.now() - start) * 100) / 100;
}

/** The message of an unknown rejection. */
export function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
