import { CallDeadline } from './call-deadline';

describe('CallDeadline', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('passes a call that answers in time through', async () => {
    const deadline = new CallDeadline(300, 10);
    const call = deadline.bound(new Promise((resolve) => setTimeout(() => resolve('OK'), 100)));
    await jest.advanceTimersByTimeAsync(100);
    await expect(call).resolves.toBe('OK');
  });

  it('fails a hung call between timeoutMs and timeoutMs + granularityMs after it started', async () => {
    const deadline = new CallDeadline(300, 10);
    const hung = new Promise(() => undefined);
    const first = deadline.bound(hung);
    let firstError: Error | undefined;
    first.catch((err: Error) => (firstError = err));
    await jest.advanceTimersByTimeAsync(7);
    const second = deadline.bound(hung); // same bucket
    let secondError: Error | undefined;
    second.catch((err: Error) => (secondError = err));
    await jest.advanceTimersByTimeAsync(299);
    expect(firstError).toBeUndefined();
    await jest.advanceTimersByTimeAsync(4);
    expect(firstError?.message).toBe('Command timed out');
    expect(secondError?.message).toBe('Command timed out'); // 303 ms after it started: >= 300
  });

  it('shares one timer per bucket', async () => {
    const deadline = new CallDeadline(300, 10);
    const spy = jest.spyOn(global, 'setTimeout');
    for (let i = 0; i < 100; i++) void deadline.bound(Promise.resolve(i));
    expect(spy).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(10);
    void deadline.bound(Promise.resolve(0));
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it('a rejection of the call itself wins over the deadline', async () => {
    const deadline = new CallDeadline(300);
    await expect(deadline.bound(Promise.reject(new Error('READONLY')))).rejects.toThrow('READONLY');
  });
});
