import { parseClusterSlots } from './cluster-shards';
import { agreed, type SlotRange } from './slot-watch';

const table = (primary: string): SlotRange[] => [{ first: 0, last: 16383, nodes: [primary] }];
const never = new Promise<SlotRange[]>(() => undefined);

describe('parseClusterSlots', () => {
  it('reads ranges sorted by first slot, primary first, through the NAT map', () => {
    const reply = [
      [5461, 16383, ['10.0.0.2', 6379, 'id2'], ['10.0.0.3', 6379, 'id3']],
      [0, 5460, ['10.0.0.1', 6379, 'id1', ['hostname', 'n1']]],
    ];
    const natMap = { '10.0.0.1:6379': { host: '127.0.0.1', port: 7001 } };
    expect(parseClusterSlots(reply, natMap)).toEqual([
      { first: 0, last: 5460, nodes: ['127.0.0.1:7001'] },
      { first: 5461, last: 16383, nodes: ['10.0.0.2:6379', '10.0.0.3:6379'] },
    ]);
  });

  it('refuses a table that names a node without an endpoint', () => {
    expect(() => parseClusterSlots([[0, 16383, ['?', 7000, 'id']]])).toThrow(/without an endpoint/);
  });
});

describe('agreed', () => {
  it('decides once a quorum answered the same table, without waiting for a node that never answers', async () => {
    const answers = [Promise.resolve(table('a:1')), never, Promise.resolve(table('a:1'))];
    await expect(agreed(answers, 2)).resolves.toEqual(table('a:1'));
  });

  it('does not take the first answer when it is the odd one out (an old primary waking up)', async () => {
    const answers = [
      Promise.resolve(table('old:1')),
      Promise.resolve(table('new:1')),
      Promise.resolve(table('new:1')),
    ];
    await expect(agreed(answers, 2)).resolves.toEqual(table('new:1'));
  });

  it('counts agreement on the primaries: views that differ only in replicas (right after a failover) agree', async () => {
    const withReplica: SlotRange[] = [{ first: 0, last: 16383, nodes: ['new:1', 'other:1'] }];
    const answers = [Promise.resolve(table('new:1')), Promise.resolve(withReplica), never];
    await expect(agreed(answers, 2)).resolves.toEqual(table('new:1'));
  });

  it('without a quorum, takes the table most answers gave once all ended; errors count as no answer', async () => {
    const down = () => Promise.reject(new Error('getaddrinfo ENOTFOUND'));
    const answers = [down(), down(), down(), Promise.resolve(table('a:1')), Promise.resolve(table('a:1'))];
    await expect(agreed(answers, 3)).resolves.toEqual(table('a:1'));
    await expect(agreed([down(), down()], 2)).resolves.toBeUndefined();
    await expect(agreed([], 1)).resolves.toBeUndefined();
  });
});
