import type Redis from 'ioredis';
import { forEachPendingCommand, guardSends, type PendingCommand, type SendFence } from '../internals/ioredis';
import { CommandOutcomeUnknownError, CommandTimeoutError } from '../errors/command-timeout.error';

/** Commands of one client that the deadline rejected, by what the caller was told (for metrics). */
export interface ExpiredCommands {
  /** Never written: rejected with `CommandTimeoutError`; they did not run and never will. */
  notSent: number;
  /** Written, no reply: rejected with `CommandOutcomeUnknownError`; they may have run. */
  unknown: number;
}

/** When the sweep first saw a command: a property of ours on ioredis' Command object. */
type SeenCommand = PendingCommand & { [SEEN]?: number };

const SEEN = Symbol('redis-ha:first-seen');

/**
 * Bounds every command of `client` by `timeoutMs`: queued during a failover (ioredis' offline queue) or sent and
 * unanswered (a hung server, a lost connection). ioredis' own `commandTimeout` arms one timer per command, which
 * costs ~5-8 % of GET/SET throughput at 50 in flight, and its rejected commands stay queued: ioredis writes them
 * once the connection is back, so a caller told "timed out" finds the write applied. This sweeps the queues
 * every `timeoutMs / 10` (at most 100 ms) instead, rejects a command between `timeoutMs` and one sweep later
 * with an error that says whether it can have run (`CommandTimeoutError` / `CommandOutcomeUnknownError`), and
 * makes the client skip settled commands when it flushes or resends (`guardSends`), so a command rejected
 * before it was written never runs. Commands held by `fence` wait in the offline queue, under the same bound.
 * Returns the counts of rejected commands, which it keeps up to date.
 */
export function enforceCommandDeadline(client: Redis, timeoutMs: number, fence?: SendFence): ExpiredCommands {
  const expired: ExpiredCommands = { notSent: 0, unknown: 0 };
  guardSends(client, fence);
  const expire = (command: PendingCommand, sent: boolean) => {
    const name = command.name ?? 'command';
    if (sent) expired.unknown++;
    else expired.notSent++;
    command.reject(
      sent ? new CommandOutcomeUnknownError(name, timeoutMs) : new CommandTimeoutError(name, timeoutMs),
    );
  };
  const every = Math.max(10, Math.min(100, Math.floor(timeoutMs / 10)));
  const timer = setInterval(() => {
    if (client.status === 'end') {
      // ioredis rejects its queues on end, but not what was parked on a connection lost before: never let
      // those promises hang (a shutdown during a failover).
      clearInterval(timer);
      return forEachPendingCommand(client, expire);
    }
    const now = Date.now();
    forEachPendingCommand(client, (command: SeenCommand, sent) => {
      const seen = command[SEEN];
      if (seen === undefined) command[SEEN] = now;
      else if (now - seen >= timeoutMs) expire(command, sent);
    });
  }, every);
  timer.unref();
  return expired;
}
