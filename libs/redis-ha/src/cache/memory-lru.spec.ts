import { MemoryLru } from './memory-lru';

describe('MemoryLru', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 1_000));

  it('returns what was set until its TTL passes, never after', () => {
    const lru = new MemoryLru(10, clock);
    lru.set('a', 'A', 100);
    expect(lru.get('a')).toBe('A');
    expect(lru.ttlMs('a')).toBe(100);
    now += 99;
    expect(lru.get('a')).toBe('A');
    now += 1;
    expect(lru.get('a')).toBeUndefined();
    expect(lru.size).toBe(0); // an expired entry read is removed
  });

  it('evicts the least recently used entry beyond maxItems; a read makes an entry recent', () => {
    const lru = new MemoryLru(3, clock);
    lru.set('a', 'A', 1000);
    lru.set('b', 'B', 1000);
    lru.set('c', 'C', 1000);
    expect(lru.get('a')).toBe('A'); // a is now the most recent
    lru.set('d', 'D', 1000);
    expect(lru.size).toBe(3);
    expect(lru.get('b')).toBeUndefined();
    expect([lru.get('a'), lru.get('c'), lru.get('d')]).toEqual(['A', 'C', 'D']);
  });

  it('overwriting refreshes value, TTL and recency without growing', () => {
    const lru = new MemoryLru(2, clock);
    lru.set('a', 'A', 10);
    lru.set('b', 'B', 1000);
    lru.set('a', 'A2', 1000);
    lru.set('c', 'C', 1000);
    now += 500;
    expect(lru.get('a')).toBe('A2');
    expect(lru.get('b')).toBeUndefined();
    expect(lru.size).toBe(2);
  });

  it('never holds more than maxItems under many writes', () => {
    const lru = new MemoryLru(100, clock);
    for (let i = 0; i < 10_000; i++) lru.set(`k${i}`, String(i), 1000);
    expect(lru.size).toBe(100);
    expect(lru.get('k9999')).toBe('9999');
    expect(lru.get('k9899')).toBeUndefined();
  });

  it('delete and clear', () => {
    const lru = new MemoryLru(5, clock);
    lru.set('a', 'A', 1000);
    lru.set('b', 'B', 1000);
    expect(lru.delete('a')).toBe(true);
    expect(lru.delete('a')).toBe(false);
    lru.clear();
    expect(lru.size).toBe(0);
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => new MemoryLru(0)).toThrow(RangeError);
  });
});
