import type Redis from 'ioredis';
import {
  destroySocket,
  forEachClusterQueued,
  forEachPendingCommand,
  type PendingCommand,
} from '../internals/ioredis';
import { isCluster, type RedisClient } from '../topology/topology';

/** The node connections a client talks on: itself, or each node connection of a `Cluster`. */
function nodesOf(client: RedisClient): Redis[] {
  return isCluster(client) ? client.nodes('all') : [client];
}

/**
 * Measures how long a worker's blocking command (`BZPOPMIN` on the queue's marker) has been waiting for its
 * reply, from the first time a guard round saw it unanswered in its connection's queues (read in place, nothing
 * kept but a first-seen time per command object). It returns at once when the marker holds a member, which every
 * add and every fetch that leaves jobs waiting puts there: so one still unanswered a guard interval after it was
 * first seen, while the marker is set and jobs wait, has a reply that will not come (a socket to a frozen or
 * replaced node, a reply lost in a failover: bullmq#4138), and the worker is **wedged**: it takes no job, whatever
 * BullMQ's own watchdog (block timeout + 1 s, up to `drainDelay` + 1 s) does later.
 */
export class BlockingWatch {
  private readonly firstSeen = new WeakMap<PendingCommand, number>();

  /** Milliseconds the oldest unanswered `BZPOPMIN` of `client` has been seen waiting (0: none). */
  oldestWaitMs(client: RedisClient, now = Date.now()): number {
    let oldest = 0;
    const visit = (command: PendingCommand) => {
      if (command.name?.toLowerCase() !== 'bzpopmin') return;
      let seen = this.firstSeen.get(command);
      if (seen === undefined) this.firstSeen.set(command, (seen = now));
      oldest = Math.max(oldest, now - seen);
    };
    if (isCluster(client)) forEachClusterQueued(client, visit);
    for (const node of nodesOf(client)) forEachPendingCommand(node, visit);
    return oldest;
  }

  /**
   * Unwedges `client`: closes its sockets at once (a half-close would wait for a frozen peer). ioredis
   * reconnects and sends the `BZPOPMIN` again (blocking connections retry forever), which returns at once.
   */
  static reset(client: RedisClient): void {
    for (const node of nodesOf(client)) destroySocket(node);
  }
}
