/**
 * Counts consecutive failures and opens after `threshold` of them (or at once on `trip()`), so that while Redis
 * is unreachable calls go straight to the fallback instead of each waiting out a timeout. Closing is decided by
 * the owner (a probe that reached Redis), not by the next caller: a caller never pays for the trial.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;

  constructor(
    readonly threshold: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(threshold) || threshold < 1)
      throw new RangeError(`threshold must be a positive integer, got ${threshold}`);
  }

  get isOpen(): boolean {
    return this.openedAt !== undefined;
  }

  /** Milliseconds since the breaker opened, or 0 when closed. */
  get openForMs(): number {
    return this.openedAt === undefined ? 0 : this.now() - this.openedAt;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  success(): void {
    this.failures = 0;
  }

  /** Records a failed call; true when this failure opened the breaker. */
  failure(): boolean {
    this.failures++;
    return this.failures >= this.threshold ? this.trip() : false;
  }

  /** Opens now (the connection closed); true when it was closed before. */
  trip(): boolean {
    if (this.openedAt !== undefined) return false;
    this.openedAt = this.now();
    return true;
  }

  close(): void {
    this.openedAt = undefined;
    this.failures = 0;
  }
}
