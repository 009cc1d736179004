import type Redis from 'ioredis';
import { CommandOutcomeUnknownError, CommandTimeoutError } from '@app/redis-ha';

interface WriteRecord {
  seq: number;
  issuedAt: number;
  doneAt?: number;
  ok?: boolean;
  error?: string;
  /** Rejected with CommandOutcomeUnknownError: written, no reply, so it may have run. */
  unknown?: boolean;
}

export interface WriteLoadReport {
  issued: number;
  acked: number;
  failed: number;
  /** Longest time between two consecutive acknowledgements. */
  pauseMs: number;
  /** When the longest pause ended (the first ack after it). */
  pauseEndedAt: number;
  /** Longest time one command took to resolve or reject. */
  longestCommandMs: number;
  /** When the last write that failed was issued (0 when none failed). */
  lastFailedIssuedAt: number;
  /** Distinct errors: the class name for the command timeout's errors, else the message (at most 5). */
  errors: string[];
}

/**
 * Writes `SET <prefix><seq> <seq>` every `intervalMs` without waiting for the previous write, the way an app
 * keeps writing through a failover, and records when each write was issued and acknowledged.
 */
export class WriteLoad {
  private readonly records: WriteRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
    private readonly intervalMs = 5,
  ) {}

  start(): this {
    this.timer = setInterval(() => this.writeOne(), this.intervalMs);
    return this;
  }

  async stop(): Promise<WriteLoadReport> {
    clearInterval(this.timer);
    await Promise.allSettled([...this.pending]);
    return this.report();
  }

  /** Keys of the writes the client acknowledged. */
  ackedKeys(): string[] {
    return this.records.filter((r) => r.ok).map((r) => `${this.prefix}${r.seq}`);
  }

  /** How many acknowledged writes `reader` (a client on the current master, no key prefix) cannot find. */
  async countLost(reader: Redis, keyPrefix = ''): Promise<number> {
    const keys = this.ackedKeys();
    let lost = 0;
    for (let i = 0; i < keys.length; i += 500) {
      const values = await reader.mget(keys.slice(i, i + 500).map((k) => keyPrefix + k));
      lost += values.filter((v) => v === null).length;
    }
    return lost;
  }

  /**
   * How many writes the client reported failed (any error but CommandOutcomeUnknownError) that `reader` (on the
   * final master) finds anyway: a caller was told "failed" and the write happened.
   */
  async countFailedApplied(reader: Redis, keyPrefix = ''): Promise<number> {
    const keys = this.records
      .filter((r) => r.ok === false && !r.unknown)
      .map((r) => keyPrefix + this.prefix + r.seq);
    let applied = 0;
    for (let i = 0; i < keys.length; i += 500) {
      applied += (await reader.mget(keys.slice(i, i + 500))).filter((v) => v !== null).length;
    }
    return applied;
  }

  /** When the first write issued at or after `at` was acknowledged (undefined if none was). */
  firstAckAfter(at: number): number | undefined {
    const acked = this.records.filter((r) => r.ok && r.issuedAt >= at).map((r) => r.doneAt as number);
    return acked.length ? Math.min(...acked) : undefined;
  }

  private writeOne(): void {
    const record: WriteRecord = { seq: this.records.length, issuedAt: Date.now() };
    this.records.push(record);
    const promise = this.client.set(`${this.prefix}${record.seq}`, String(record.seq)).then(
      () => Object.assign(record, { ok: true, doneAt: Date.now() }),
      (err: Error) =>
        Object.assign(record, {
          ok: false,
          doneAt: Date.now(),
          error: err instanceof CommandTimeoutError ? err.name : err.message,
          unknown: err instanceof CommandOutcomeUnknownError,
        }),
    );
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
  }

  private report(): WriteLoadReport {
    const acks = this.records
      .filter((r) => r.ok)
      .map((r) => r.doneAt as number)
      .sort((a, b) => a - b);
    let pauseMs = 0;
    let pauseEndedAt = 0;
    for (let i = 1; i < acks.length; i++) {
      if (acks[i] - acks[i - 1] > pauseMs) [pauseMs, pauseEndedAt] = [acks[i] - acks[i - 1], acks[i]];
    }
    const failed = this.records.filter((r) => r.ok === false);
    return {
      issued: this.records.length,
      acked: acks.length,
      failed: failed.length,
      pauseMs,
      pauseEndedAt,
      longestCommandMs: Math.max(0, ...this.records.map((r) => (r.doneAt ?? Date.now()) - r.issuedAt)),
      lastFailedIssuedAt: Math.max(0, ...failed.map((r) => r.issuedAt)),
      errors: [...new Set(failed.map((r) => r.error ?? ''))].slice(0, 5),
    };
  }
}
