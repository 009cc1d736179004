import { RedisHaEvents } from '../../events/redis-ha-events';
import { HeldWrites } from './held-writes';

describe('HeldWrites (the write lease fence)', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('starts closed; whenHeld resolves true when it opens, false after its bound', async () => {
    const writes = new HeldWrites(new RedisHaEvents(), 20);
    expect(writes.fence.closed).toBe(true);
    expect(await writes.whenHeld(10)).toBe(false);
    const waiting = writes.whenHeld(1000);
    writes.open();
    expect(await waiting).toBe(true);
    expect(writes.fence.closed).toBe(false);
    expect(writes.lostSince).toBeUndefined();
  });

  it('announces a loss only when it lasts the lease period, and the regain only after an announced loss', async () => {
    const events = new RedisHaEvents();
    const seen: boolean[] = [];
    events.on('write-lease').subscribe((e) => seen.push(e.held));
    const writes = new HeldWrites(events, 30);
    writes.open();
    writes.hold();
    expect(writes.lostSince).toBeGreaterThan(0);
    writes.open(); // back within the period: no news
    await sleep(50);
    expect(seen).toEqual([]);
    writes.hold();
    await sleep(50);
    writes.open();
    expect(seen).toEqual([false, true]);
  });
});
