import type { Cluster } from 'ioredis';
import type { ExpiredCommands } from './command-deadline';
import { CommandOutcomeUnknownError } from '../errors/command-timeout.error';
import {
  forEachClusterQueued,
  forEachPendingCommand,
  guardSends,
  type PendingCommand,
} from '../internals/ioredis';

const SEEN = Symbol('redis-ha:first-seen');
type Seen = PendingCommand & { [SEEN]?: number };

/**
 * Bounds the commands of a cluster client by `timeoutMs`, as `enforceCommandDeadline` does for one node: every
 * `timeoutMs / 10` (10-100 ms) a sweep reads the queues where commands wait (the cluster's own offline queue and
 * each node client's queues, in place, nothing kept per command: tracking each one cost 4-7 % of throughput) and
 * rejects those it first saw `timeoutMs` ago. Each node client skips settled commands (`guardSends`), so one
 * rejected here is never written afterwards by a retry or a queue flush.
 *
 * Between two tries of a shard that fails over, a command waits in ioredis' retry timer (50 ms), where no sweep
 * sees it; it is then in a node's queue again, still marked with when it was first seen. The cluster's own bound
 * (`maxRedirections`, ~`timeoutMs` + 0.8 s of tries) ends one that the sweeps keep missing.
 *
 * The caller is told `CommandOutcomeUnknownError` (it may have run): a command can have been written to a
 * primary that died or hung before answering and been queued again for the next try.
 */
export function enforceClusterDeadline(cluster: Cluster, timeoutMs: number): ExpiredCommands {
  const expired: ExpiredCommands = { notSent: 0, unknown: 0 };
  cluster.on('+node', (node) => guardSends(node));
  const expire = (command: PendingCommand) => {
    expired.unknown++;
    command.reject(new CommandOutcomeUnknownError(command.name ?? 'command', timeoutMs));
  };
  const every = Math.max(10, Math.min(100, Math.floor(timeoutMs / 10)));
  const timer = setInterval(() => {
    if (cluster.status === 'end') {
      clearInterval(timer); // ioredis rejects what it holds on end
      return;
    }
    const now = Date.now();
    const visit = (command: Seen) => {
      const seen = command[SEEN];
      if (seen === undefined) command[SEEN] = now;
      else if (now - seen >= timeoutMs) expire(command);
    };
    forEachClusterQueued(cluster, visit);
    for (const node of cluster.nodes('all')) forEachPendingCommand(node, visit);
  }, every);
  timer.unref();
  return expired;
}
