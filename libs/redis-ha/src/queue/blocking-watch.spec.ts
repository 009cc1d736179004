import type Redis from 'ioredis';
import { BlockingWatch } from './blocking-watch';

/** A node connection whose `commandQueue` holds `commands` (ioredis' denque, read in place with peekAt). */
function connectionWith(commands: Array<{ name: string; isSettled?: boolean }>): Redis {
  const entries = commands.map((command) => ({ command: { ...command, reject: () => undefined } }));
  return {
    status: 'ready',
    commandQueue: { length: entries.length, peekAt: (i: number) => entries[i] },
  } as unknown as Redis;
}

describe('BlockingWatch', () => {
  it('measures an unanswered BZPOPMIN from the first time it was seen', () => {
    const watch = new BlockingWatch();
    const client = connectionWith([{ name: 'bzpopmin' }]);
    expect(watch.oldestWaitMs(client, 1000)).toBe(0);
    expect(watch.oldestWaitMs(client, 3500)).toBe(2500);
  });

  it('ignores other commands and answered ones', () => {
    const watch = new BlockingWatch();
    const client = connectionWith([{ name: 'evalsha' }, { name: 'bzpopmin', isSettled: true }]);
    watch.oldestWaitMs(client, 1000);
    expect(watch.oldestWaitMs(client, 9000)).toBe(0);
  });

  it('a new BZPOPMIN (the previous one returned) starts from zero', () => {
    const watch = new BlockingWatch();
    watch.oldestWaitMs(connectionWith([{ name: 'bzpopmin' }]), 1000);
    expect(watch.oldestWaitMs(connectionWith([{ name: 'bzpopmin' }]), 5000)).toBe(0);
  });
});
