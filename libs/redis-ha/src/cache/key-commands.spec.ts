import { Cluster } from 'ioredis';
import { keySlot } from '../topology/cluster/key-slot';
import { deleteKeys, unlinkByPrefix } from './key-commands';

/** A real (never connected) `Cluster` whose commands and primaries' SCANs are recorded instead of sent. */
function fakeCluster(scans: string[][][]) {
  const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true });
  const calls: string[][] = [];
  const record =
    (cmd: string) =>
    async (...keys: string[]) => (calls.push([cmd, ...keys]), keys.length);
  Object.assign(cluster, { del: record('del'), unlink: record('unlink') });
  const primaries = scans.map((batches) => ({
    scanStream: () =>
      (async function* () {
        yield* batches;
      })(),
  }));
  jest.spyOn(cluster, 'nodes').mockReturnValue(primaries as never);
  return { cluster, calls };
}

const sameSlot = (keys: string[]) => new Set(keys.map(keySlot)).size === 1;

describe('cluster multi-key commands, split by slot', () => {
  it('deleteKeys: one DEL per slot, every key once', async () => {
    const { cluster, calls } = fakeCluster([]);
    const keys = ['cache:v1:a', 'cache:v1:b', 'cache:v1:{t}1', 'cache:v1:{t}2', 'cache:v1:c'];
    await deleteKeys(cluster, keys);
    expect(calls.every(([cmd]) => cmd === 'del')).toBe(true);
    expect(calls.every(([, ...group]) => sameSlot(group))).toBe(true);
    expect(calls.flatMap(([, ...group]) => group).sort()).toEqual([...keys].sort());
    expect(calls.find(([, ...group]) => group.includes('cache:v1:{t}1'))).toEqual([
      'del',
      'cache:v1:{t}1',
      'cache:v1:{t}2',
    ]);
  });

  it('unlinkByPrefix: SCANs every primary, UNLINKs each batch one slot at a time', async () => {
    const { cluster, calls } = fakeCluster([
      [['cache:v1:a', 'cache:v1:b'], []],
      [['cache:v1:{t}1', 'cache:v1:{t}2', 'cache:v1:c']],
      [],
    ]);
    await unlinkByPrefix(cluster, 'cache:');
    expect(cluster.nodes).toHaveBeenCalledWith('master');
    expect(calls.every(([cmd, ...group]) => cmd === 'unlink' && sameSlot(group))).toBe(true);
    expect(calls.flatMap(([, ...group]) => group).sort()).toEqual(
      ['cache:v1:a', 'cache:v1:b', 'cache:v1:{t}1', 'cache:v1:{t}2', 'cache:v1:c'].sort(),
    );
  });

  it('unlinkByPrefix refuses a cluster with no connected primary rather than clearing nothing silently', async () => {
    const { cluster } = fakeCluster([]);
    await expect(unlinkByPrefix(cluster, 'cache:')).rejects.toThrow(/no primary/);
  });
});
