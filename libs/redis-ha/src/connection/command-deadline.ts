import type Redis from 'ioredis';
import { forEachPendingCommand, type PendingCommand } from '../internals/ioredis';

/** When the sweep first saw a command: a property of ours on ioredis' Command object. */
type SeenCommand = PendingCommand & { [SEEN]?: number };

const SEEN = Symbol('redis-ha:first-seen');

/**
 * Bounds every command of `client` by `timeoutMs`: queued during a failover (ioredis' offline queue) or sent and
 * unanswered (a hung server). ioredis' own `commandTimeout` arms one timer per command, which costs ~5-8 % of
 * GET/SET throughput at 50 in flight; this sweeps both queues every `timeoutMs / 10` (at most 100 ms) instead,
 * so a command fails with ioredis' own "Command timed out" between `timeoutMs` and one sweep later.
 * Reads ioredis' queues through `forEachPendingCommand` (internals/ioredis.ts).
 */
export function enforceCommandDeadline(client: Redis, timeoutMs: number): void {
  const every = Math.max(10, Math.min(100, Math.floor(timeoutMs / 10)));
  const timer = setInterval(() => {
    if (client.status === 'end') return clearInterval(timer);
    const now = Date.now();
    forEachPendingCommand(client, (command: SeenCommand) => {
      const seen = command[SEEN];
      if (seen === undefined) command[SEEN] = now;
      else if (now - seen >= timeoutMs) command.reject(new Error('Command timed out'));
    });
  }, every);
  timer.unref();
}
