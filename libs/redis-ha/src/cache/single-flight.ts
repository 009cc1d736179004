/**
 * Concurrent calls for one key share one run of the work: the first caller starts it, the others join its
 * promise until it settles (resolved or rejected, each joiner sees the same outcome). Per process.
 */
export class SingleFlight {
  private readonly inflight = new Map<string, Promise<unknown>>();

  get size(): number {
    return this.inflight.size;
  }

  has(key: string): boolean {
    return this.inflight.has(key);
  }

  run<T>(key: string, work: () => Promise<T>): { promise: Promise<T>; joined: boolean } {
    const running = this.inflight.get(key);
    if (running) return { promise: running as Promise<T>, joined: true };
    const promise = (async () => {
      try {
        return await work();
      } finally {
        this.inflight.delete(key);
      }
    })();
    this.inflight.set(key, promise);
    return { promise, joined: false };
  }
}
