import { slotOf } from './key-slot';

describe('slotOf', () => {
  it('is CLUSTER KEYSLOT: CRC16 mod 16384 of the key, or of its hash tag', () => {
    // Values as redis-server 7.0 answers CLUSTER KEYSLOT.
    expect(slotOf('foo')).toBe(12182);
    expect(slotOf('123456789')).toBe(12739); // CRC16/XMODEM check value 0x31C3
    expect(slotOf('{user1000}.following')).toBe(slotOf('user1000'));
    expect(slotOf('{bull}:reports:wait')).toBe(slotOf('{bull}'));
  });

  it('an empty first tag hashes the whole key, as Redis does (not a later tag)', () => {
    expect(slotOf('x{}{y}')).toBe(14166);
    expect(slotOf('foo{}bar')).not.toBe(slotOf('bar'));
  });
});
