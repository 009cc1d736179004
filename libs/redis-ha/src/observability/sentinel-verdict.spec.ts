import { judgeSentinels } from './sentinel-verdict';
import type { SentinelSnapshot, SentinelView } from './sentinel-view';

const OK = { ok: true, message: 'OK 3 usable Sentinels. Quorum and failover authorization can be reached' };
const NOQUORUM = {
  ok: false,
  message:
    'NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the specified quorum for this master',
};

function view(port: number, over: Partial<SentinelView> = {}): SentinelView {
  return {
    sentinel: `127.0.0.1:${port}`,
    reachable: true,
    master: '127.0.0.1:6390',
    masterFlags: ['master'],
    configEpoch: 0,
    quorum: 2,
    otherSentinels: 2,
    ckquorum: OK,
    replicas: [],
    ...over,
  };
}
const down = (port: number, error = 'connection is reconnecting'): SentinelView => ({
  sentinel: `127.0.0.1:${port}`,
  reachable: false,
  error,
});
const snapshot = (...views: SentinelView[]): SentinelSnapshot => ({ masterName: 'mymaster', at: 0, views });

describe('judgeSentinels', () => {
  const cases: Array<
    [
      string,
      SentinelSnapshot,
      { status: 'up' | 'down'; degraded: boolean; quorumOk: boolean; problem?: RegExp },
    ]
  > = [
    [
      'all three answer and agree',
      snapshot(view(1), view(2), view(3)),
      { status: 'up', degraded: false, quorumOk: true },
    ],
    [
      'one of three down: failover still possible, degraded',
      snapshot(view(1), view(2), down(3)),
      {
        status: 'up',
        degraded: true,
        quorumOk: true,
        problem: /1 of 3 sentinels do not answer: 127.0.0.1:3: connection is reconnecting/,
      },
    ],
    [
      'two of three down, the last one has not noticed yet (CKQUORUM still OK): our own count says quorum lost',
      snapshot(view(1), down(2), down(3)),
      {
        status: 'down',
        degraded: true,
        quorumOk: false,
        problem: /quorum lost: 1 of 3 sentinels answer, quorum 2 and a majority are needed/,
      },
    ],
    [
      'two of three down and CKQUORUM says so',
      snapshot(view(1, { ckquorum: NOQUORUM }), down(2), down(3)),
      {
        status: 'down',
        degraded: true,
        quorumOk: false,
        problem: /quorum lost: NOQUORUM 1 usable Sentinels/,
      },
    ],
    [
      'no sentinel answers',
      snapshot(down(1), down(2), down(3)),
      { status: 'down', degraded: true, quorumOk: false, problem: /no sentinel answers/ },
    ],
    [
      'disagreement right after a switch: up, degraded, the highest epoch names the master',
      snapshot(
        view(1, { master: '127.0.0.1:6391', configEpoch: 1 }),
        view(2),
        view(3, { master: '127.0.0.1:6391', configEpoch: 1 }),
      ),
      {
        status: 'up',
        degraded: true,
        quorumOk: true,
        problem: /sentinels disagree on the master: .*127.0.0.1:2 names 127.0.0.1:6390 \(epoch 0\)/,
      },
    ],
    [
      'master flagged objectively down: failover expected',
      snapshot(view(1, { masterFlags: ['master', 's_down', 'o_down'] }), view(2), view(3)),
      { status: 'up', degraded: true, quorumOk: true, problem: /as s_down, o_down: failover expected/ },
    ],
    [
      'the app knows only one sentinel of three: its own count says nothing, CKQUORUM decides',
      snapshot(view(1)),
      { status: 'up', degraded: false, quorumOk: true },
    ],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    const verdict = judgeSentinels(input);
    expect(verdict).toMatchObject({
      status: expected.status,
      degraded: expected.degraded,
      quorumOk: expected.quorumOk,
    });
    if (expected.problem) expect(verdict.problems.join('\n')).toMatch(expected.problem);
    else expect(verdict.problems).toEqual([]);
  });

  it('names the master of the highest config epoch', () => {
    const verdict = judgeSentinels(snapshot(view(1), view(2, { master: '10.0.0.9:6379', configEpoch: 7 })));
    expect(verdict.master).toBe('10.0.0.9:6379');
    expect(verdict.agree).toBe(false);
  });
});
