interface Entry {
  value: string;
  expiresAt: number;
}

/**
 * A bounded least-recently-used map whose entries expire: the memory fallback of the cache. A Map keeps
 * insertion order, so re-inserting on every read makes its first key the least recently used one. An expired
 * entry is never returned; it is removed when read or when it reaches the cold end.
 */
export class MemoryLru {
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly maxItems: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(maxItems) || maxItems < 1)
      throw new RangeError(`maxItems must be a positive integer, got ${maxItems}`);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Milliseconds until `key` expires, or undefined when absent or expired. Does not touch recency. */
  ttlMs(key: string): number | undefined {
    const entry = this.entries.get(key);
    const left = entry === undefined ? 0 : entry.expiresAt - this.now();
    return left > 0 ? left : undefined;
  }

  set(key: string, value: string, ttlMs: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
    while (this.entries.size > this.maxItems) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
