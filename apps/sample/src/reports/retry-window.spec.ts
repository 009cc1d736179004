import { QueuePayloadError } from '@app/redis-ha/queue';
import { withinRetryWindow } from './retry-window';

describe('withinRetryWindow', () => {
  it('retries until the attempt succeeds within the window', async () => {
    let calls = 0;
    const result = await withinRetryWindow(2_000, async () => {
      if (++calls < 3) throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
      return 'added';
    });
    expect([result, calls]).toEqual(['added', 3]);
  });

  it('gives up with the last error once the window is over', async () => {
    let calls = 0;
    const started = Date.now();
    await expect(
      withinRetryWindow(300, async () => {
        calls++;
        throw new Error(`attempt ${calls}`);
      }),
    ).rejects.toThrow(/attempt \d/);
    expect(Date.now() - started).toBeLessThan(600);
    expect(calls).toBeGreaterThan(1);
  });

  it('tries once with a window of 0, and never retries a bad request', async () => {
    const once = jest.fn().mockRejectedValue(new Error('down'));
    await expect(withinRetryWindow(0, once)).rejects.toThrow('down');
    expect(once).toHaveBeenCalledTimes(1);
    const bad = jest.fn().mockRejectedValue(Object.create(QueuePayloadError.prototype));
    await expect(withinRetryWindow(5_000, bad)).rejects.toBeInstanceOf(QueuePayloadError);
    expect(bad).toHaveBeenCalledTimes(1);
  });
});
