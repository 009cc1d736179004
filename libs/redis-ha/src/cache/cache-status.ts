import { Injectable } from '@nestjs/common';

export type CacheMode = 'redis' | 'fallback' | 'disabled';

/**
 * Where the cache serves from right now, for health checks and metrics. Provided (global) by the root module;
 * the cache feature updates it on every transition.
 */
@Injectable()
export class CacheStatus {
  mode: CacheMode = 'disabled';
  since = new Date();
  transitions = 0;

  /** The mode the cache starts in: not a transition (`transitions` counts switches while running). */
  initial(mode: CacheMode): void {
    this.mode = mode;
    this.since = new Date();
  }

  set(mode: CacheMode): void {
    if (mode === this.mode) return;
    this.mode = mode;
    this.since = new Date();
    this.transitions++;
  }
}
