import { keySlot } from '../topology/cluster/key-slot';
import { queueKeyPrefix, untagged } from './queue-keys';

describe('queue keys', () => {
  it('keeps QUEUE_PREFIX as it is outside cluster mode (Sentinel keys unchanged)', () => {
    expect(queueKeyPrefix('{bull}', false, 'reports')).toBe('{bull}');
  });

  it('gives each queue its own hash tag in cluster mode, the prefix without its braces before it', () => {
    expect(queueKeyPrefix('{bull}', true, 'reports')).toBe('bull:{reports}');
    expect(queueKeyPrefix('app:{jobs}', true, 'flows')).toBe('app:jobs:{flows}');
    expect(untagged('{bull}')).toBe('bull');
  });

  it('computes the slots Redis does (CLUSTER KEYSLOT examples of the Redis docs)', () => {
    expect(keySlot('somekey')).toBe(11058);
    expect(keySlot('foo{hash_tag}')).toBe(2515);
    expect(keySlot('bar{hash_tag}')).toBe(2515);
    expect(keySlot('bull:{reports}:reports:wait')).toBe(keySlot('reports'));
  });
});
