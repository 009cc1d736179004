import type { Logger } from '@nestjs/common';

/**
 * Logs the first of a burst of similar warnings and then at most one every `everyMs`, with how many were
 * left out: a failover fails dozens of requests a second, and one line per request would bury the rest.
 */
export class ThrottledWarning {
  private last = 0;
  private skipped = 0;

  constructor(
    private readonly logger: Logger,
    private readonly everyMs = 5_000,
  ) {}

  warn(message: string): void {
    const now = Date.now();
    if (now - this.last < this.everyMs) {
      this.skipped++;
      return;
    }
    const more = this.skipped > 0 ? ` (${this.skipped} similar since the last one)` : '';
    this.last = now;
    this.skipped = 0;
    this.logger.warn(`${message}${more}`);
  }
}
