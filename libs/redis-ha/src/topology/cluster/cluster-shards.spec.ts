import { primaryMoves, shardsOf } from './cluster-shards';

/** A slot table of `size` slots: `[first, last, ...nodes]` ranges, as ioredis fills `Cluster#slots`. */
function table(size: number, ...ranges: Array<[number, number, ...string[]]>): Array<string[] | undefined> {
  const slots: Array<string[] | undefined> = Array.from({ length: size }, () => undefined);
  for (const [first, last, ...nodes] of ranges) for (let s = first; s <= last; s++) slots[s] = nodes;
  return slots;
}

describe('cluster shards from the slot table', () => {
  it('groups ranges by primary, replicas listed, unassigned slots left out', () => {
    const slots = table(12, [0, 3, 'a:1', 'b:1'], [4, 5, 'c:1'], [8, 11, 'a:1', 'b:1']);
    expect(shardsOf(slots)).toEqual([
      {
        primary: { host: 'a', port: 1 },
        replicas: [{ host: 'b', port: 1 }],
        slots: [
          [0, 3],
          [8, 11],
        ],
      },
      { primary: { host: 'c', port: 1 }, replicas: [], slots: [[4, 5]] },
    ]);
  });

  it('a promoted replica: the moved ranges, per old and new primary', () => {
    const before = table(10, [0, 4, 'a:1', 'b:1'], [5, 9, 'c:1', 'd:1']).map((n) => n?.[0]);
    const after = table(10, [0, 4, 'b:1'], [5, 6, 'c:1', 'd:1'], [7, 9, 'e:1']).map((n) => n?.[0]);
    expect(primaryMoves(before, after)).toEqual([
      { from: 'a:1', to: 'b:1', slots: [[0, 4]] },
      { from: 'c:1', to: 'e:1', slots: [[7, 9]] },
    ]);
  });

  it('no move when nothing changed or a slot is unassigned on either side', () => {
    const before = table(6, [0, 2, 'a:1'], [3, 5, 'b:1']).map((n) => n?.[0]);
    const after = table(6, [0, 2, 'a:1']).map((n) => n?.[0]);
    expect(primaryMoves(before, after)).toEqual([]);
    expect(primaryMoves(after, before)).toEqual([]);
  });
});
