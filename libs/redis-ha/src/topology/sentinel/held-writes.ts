import type Redis from 'ioredis';
import { sendParked, type SendFence } from '../../internals/ioredis';
import type { RedisHaEvents } from '../../events/redis-ha-events';
import type { WriteFence } from '../topology';

/**
 * The fence the write lease opens and closes: the writing clients it holds (each with `guardSends(client,
 * fence)`), who waits for it to open, and the `write-lease` events, announced only when a loss lasts a whole
 * lease period (a probe answered a little late is not news).
 */
export class HeldWrites implements WriteFence {
  readonly fence: SendFence = { closed: true };
  /** When writes started to be held (epoch ms), while they are. */
  lostSince: number | undefined = Date.now();
  private readonly clients = new Set<Redis>();
  private readonly waiters: Array<() => void> = [];
  private announce: NodeJS.Timeout | undefined;
  private announced = false;

  constructor(
    private readonly events: RedisHaEvents,
    private readonly announceAfterMs: number,
  ) {}

  add(client: Redis): void {
    this.clients.add(client);
    client.once('end', () => this.clients.delete(client));
  }

  whenHeld(timeoutMs: number): Promise<boolean> {
    if (!this.fence.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(!this.fence.closed), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Lets writes through: what was parked goes out in order. `quiet` on shutdown. */
  open(quiet = false): void {
    if (!this.fence.closed) return;
    this.fence.closed = false;
    this.lostSince = undefined;
    clearTimeout(this.announce);
    for (const client of this.clients) sendParked(client);
    for (const resolve of this.waiters.splice(0)) resolve();
    if (this.announced && !quiet) this.events.emit({ type: 'write-lease', held: true, at: new Date() });
    this.announced = false;
  }

  /** Holds writes from now on. */
  hold(): void {
    if (this.fence.closed) return;
    this.fence.closed = true;
    this.lostSince = Date.now();
    this.announce = setTimeout(() => {
      this.announced = true;
      this.events.emit({ type: 'write-lease', held: false, at: new Date() });
    }, this.announceAfterMs);
    this.announce.unref();
  }
}
