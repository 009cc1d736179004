import type { RedisClient } from '../topology/topology';

/**
 * An ioredis client of the cache plus its connection epoch: the number of connections it has opened so far.
 * Replies that arrive while the epoch stays the same came over one connection (ioredis resends unanswered
 * commands on the next connection, which raises the epoch first), which is what a durable write checks.
 *
 * On a cluster the client is a `Cluster`: its `connect` event says that the cluster as a whole (re)connected,
 * nothing of the node connections under it, so its epoch proves nothing and durable writes do not use it
 * (`durableSetOnCluster` gets the same guarantee from a pipeline on one node connection). `ready` is the
 * cluster's: it has a slot table and a node connection.
 */
export class TrackedClient {
  epoch = 0;
  private readonly listeners: Array<[string, (...args: any[]) => void]> = [];

  constructor(readonly client: RedisClient) {
    this.listen('connect', () => this.epoch++);
    // The cache answers from its fallback on errors; without a listener ioredis would print each one.
    this.listen('error', () => undefined);
  }

  get ready(): boolean {
    return this.client.status === 'ready';
  }

  listen(event: string, listener: (...args: any[]) => void): void {
    this.client.on(event, listener);
    this.listeners.push([event, listener]);
  }

  /** Removes this wrapper's listeners; the connection factory closes the client itself. */
  dispose(): void {
    for (const [event, listener] of this.listeners.splice(0)) this.client.off(event, listener);
  }
}
