import type Redis from 'ioredis';

interface PendingCommand {
  isSettled?: boolean;
  reject(err: Error): void;
  [SEEN]?: number;
}
interface QueueLike {
  length: number;
  peekAt(index: number): { command?: PendingCommand } | undefined;
}

const SEEN = Symbol('redis-ha:first-seen');

/**
 * Bounds every command of `client` by `timeoutMs`: queued during a failover (ioredis' offline queue) or sent and
 * unanswered (a hung server). ioredis' own `commandTimeout` arms one timer per command, which costs ~5-8 % of
 * GET/SET throughput at 50 in flight; this sweeps both queues every `timeoutMs / 10` (at most 100 ms) instead,
 * so a command fails with ioredis' own "Command timed out" between `timeoutMs` and one sweep later.
 * Relies on ioredis 6's `commandQueue` / `offlineQueue` (denque) and `Command.isSettled`.
 */
export function enforceCommandDeadline(client: Redis, timeoutMs: number): void {
  const every = Math.max(10, Math.min(100, Math.floor(timeoutMs / 10)));
  const queues = () => [
    client.commandQueue,
    (client as unknown as { offlineQueue?: QueueLike }).offlineQueue,
  ];
  const timer = setInterval(() => {
    if (client.status === 'end') return clearInterval(timer);
    const now = Date.now();
    for (const queue of queues() as Array<QueueLike | undefined>) {
      for (let i = 0; queue && i < queue.length; i++) {
        const command = queue.peekAt(i)?.command;
        if (!command || command.isSettled) continue;
        const seen = command[SEEN];
        if (seen === undefined) command[SEEN] = now;
        else if (now - seen >= timeoutMs) command.reject(new Error('Command timed out'));
      }
    }
  }, every);
  timer.unref();
}
