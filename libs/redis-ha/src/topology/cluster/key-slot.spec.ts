import { groupBySlot, keySlot } from './key-slot';

describe('keySlot', () => {
  it('answers what CLUSTER KEYSLOT answers', () => {
    // Values of CLUSTER KEYSLOT on Redis 7.
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('123456789')).toBe(12739);
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('x{}{y}')).toBe(14166); // the empty first tag: the whole key is hashed
    expect(keySlot('{}x')).not.toBe(keySlot('x')); // an empty tag is no tag
  });
});

describe('groupBySlot', () => {
  it('puts keys of one slot together and keys of different slots apart, first-seen order', () => {
    const keys = ['a{1}', 'b', 'c{1}', 'd{2}', 'e{2}', 'f{1}'];
    const groups = groupBySlot(keys);
    expect(groups).toEqual([['a{1}', 'c{1}', 'f{1}'], ['b'], ['d{2}', 'e{2}']]);
    for (const group of groups) expect(new Set(group.map(keySlot)).size).toBe(1);
  });

  it('splits the keys of a namespace over many slots: no shared hash tag', () => {
    const keys = Array.from({ length: 300 }, (_, i) => `cache:v1:holidays:FR:${i}`);
    const groups = groupBySlot(keys);
    expect(groups.length).toBeGreaterThan(290); // 300 keys over 16,384 slots: a few may share one
    expect(groups.flat().sort()).toEqual([...keys].sort());
    for (const group of groups) expect(new Set(group.map(keySlot)).size).toBe(1);
  });

  it('caps a group at `max` keys, all keys kept once', () => {
    const keys = Array.from({ length: 7 }, (_, i) => `{t}${i}`);
    expect(groupBySlot(keys, 3).map((g) => g.length)).toEqual([3, 3, 1]);
    expect(groupBySlot(keys, 3).flat()).toEqual(keys);
    expect(groupBySlot([])).toEqual([]);
  });
});
