/**
 * Bounds each Redis call of the cache at the cache's level, whatever happens below: commands waiting in an
 * ioredis auto-pipeline behind a pipeline that hangs (ioredis runs one auto-pipeline at a time, and those waiting
 * are in no command queue yet, so no per-command deadline sees them), in the offline queue during a failover,
 * or on a frozen server. Calls started within one `granularityMs` share one timer and one promise: a call fails
 * with "Command timed out" between `timeoutMs` and `timeoutMs + granularityMs` after it started.
 */
export class CallDeadline {
  private bucket?: { until: number; expired: Promise<never> };

  constructor(
    readonly timeoutMs: number,
    readonly granularityMs = Math.max(5, Math.min(25, Math.floor(timeoutMs / 20))),
  ) {}

  bound<T>(work: Promise<T>): Promise<T> {
    const now = Date.now();
    let bucket = this.bucket;
    if (bucket === undefined || now >= bucket.until) {
      let reject!: (err: Error) => void;
      const expired = new Promise<never>((_, r) => (reject = r));
      expired.catch(() => undefined); // a bucket nobody waited on to the end is not an unhandled rejection
      setTimeout(() => reject(new Error('Command timed out')), this.timeoutMs + this.granularityMs).unref();
      bucket = this.bucket = { until: now + this.granularityMs, expired };
    }
    return Promise.race([work, bucket.expired]);
  }
}
