import { CircuitBreaker } from './circuit-breaker';

describe('CircuitBreaker', () => {
  it('opens after `threshold` consecutive failures, reporting the one that opened it', () => {
    const breaker = new CircuitBreaker(3);
    expect([breaker.failure(), breaker.failure()]).toEqual([false, false]);
    expect(breaker.isOpen).toBe(false);
    expect(breaker.failure()).toBe(true);
    expect(breaker.isOpen).toBe(true);
    expect(breaker.failure()).toBe(false); // already open: no second "opened"
  });

  it('a success in between starts the count again', () => {
    const breaker = new CircuitBreaker(2);
    breaker.failure();
    breaker.success();
    expect(breaker.failure()).toBe(false);
    expect(breaker.isOpen).toBe(false);
    expect(breaker.consecutiveFailures).toBe(1);
  });

  it('trip() opens at once; close() resets everything; openForMs measures the outage', () => {
    let now = 100;
    const breaker = new CircuitBreaker(5, () => now);
    expect(breaker.openForMs).toBe(0);
    expect(breaker.trip()).toBe(true);
    expect(breaker.trip()).toBe(false);
    now = 350;
    expect(breaker.openForMs).toBe(250);
    breaker.close();
    expect(breaker.isOpen).toBe(false);
    expect(breaker.consecutiveFailures).toBe(0);
  });

  it('refuses a threshold that is not a positive integer', () => {
    expect(() => new CircuitBreaker(0)).toThrow(RangeError);
  });
});
