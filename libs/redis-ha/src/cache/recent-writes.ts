/**
 * Keys this process wrote or deleted in the last `windowMs`: their reads go to the master, so a process reads
 * its own writes even when other reads go to replicas that may lag. Bounded: past `maxItems` the oldest notes
 * are dropped first (a dropped key only risks reading a lagging replica, as any other process would).
 */
export class RecentWrites {
  private readonly until = new Map<string, number>();

  constructor(
    readonly windowMs: number,
    readonly maxItems = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.until.size;
  }

  note(key: string): void {
    if (this.windowMs <= 0) return;
    const now = this.now();
    this.until.delete(key);
    this.until.set(key, now + this.windowMs);
    // Every note has the same window, so the oldest (first) ones expire first.
    for (const [first, end] of this.until) {
      if (end > now && this.until.size <= this.maxItems) break;
      this.until.delete(first);
    }
  }

  has(key: string): boolean {
    const end = this.until.get(key);
    if (end === undefined) return false;
    if (end > this.now()) return true;
    this.until.delete(key);
    return false;
  }
}
