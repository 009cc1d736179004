import type { Cluster, Command } from 'ioredis';
import type { ExpiredCommands } from './command-deadline';
import { CommandOutcomeUnknownError } from '../errors/command-timeout.error';
import { guardSends, patchClusterSendCommand } from '../internals/ioredis';

const SEEN = Symbol('redis-ha:first-seen');
type Tracked = Command & { [SEEN]?: number };

/**
 * Bounds every command of a cluster client by `timeoutMs`, over all its tries: queued while the cluster
 * refreshes, waiting between tries of a shard that fails over, or written to a hung primary. The commands are
 * tracked where they enter (`Cluster#sendCommand`) and swept every `timeoutMs / 10` (10-100 ms), as
 * `enforceCommandDeadline` does for one node; each node client skips settled commands (`guardSends`), so one
 * rejected here is never written afterwards by a retry or a queue flush.
 *
 * The caller is told `CommandOutcomeUnknownError` (it may have run): a command can have been written to a
 * primary that died or hung before answering, and the cluster retries such commands elsewhere, so "not sent"
 * cannot be told apart from "sent" here without asking ioredis for more.
 */
export function enforceClusterDeadline(cluster: Cluster, timeoutMs: number): ExpiredCommands {
  const expired: ExpiredCommands = { notSent: 0, unknown: 0 };
  const pending = new Set<Tracked>();
  cluster.on('+node', (node) => guardSends(node));
  patchClusterSendCommand(
    cluster,
    (send) =>
      function trackedSend(this: Cluster, command, stream, node) {
        if (command.isSettled) return command.promise;
        pending.add(command);
        return send.call(this, command, stream, node);
      },
  );
  const every = Math.max(10, Math.min(100, Math.floor(timeoutMs / 10)));
  const timer = setInterval(() => {
    const now = Date.now();
    const ended = cluster.status === 'end';
    for (const command of pending) {
      if (command.isSettled) pending.delete(command);
      else if (command[SEEN] === undefined && !ended) command[SEEN] = now;
      else if (ended || now - command[SEEN]! >= timeoutMs) {
        pending.delete(command);
        expired.unknown++;
        command.reject(new CommandOutcomeUnknownError(command.name ?? 'command', timeoutMs));
      }
    }
    if (ended) clearInterval(timer);
  }, every);
  timer.unref();
  return expired;
}
