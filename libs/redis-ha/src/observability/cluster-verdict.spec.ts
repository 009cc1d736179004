import { keySlot } from '../topology/cluster/key-slot';
import { judgeCluster, readySlotsOf } from './cluster-verdict';
import { parseClusterInfo, parseClusterNodes, type ClusterSnapshot, type ShardProbe } from './cluster-view';

const ID = {
  a: 'a'.repeat(40),
  b: 'b'.repeat(40),
  c: 'c'.repeat(40),
  ra: '1'.repeat(40),
  rb: '2'.repeat(40),
};
const RANGES: Record<string, [number, number]> = {
  a: [0, 5460],
  b: [5461, 10922],
  c: [10923, 16383],
};
const PORT: Record<string, number> = { a: 7000, b: 7001, c: 7002, ra: 7003, rb: 7004, rc: 7005 };

/** `CLUSTER NODES` as `me` sees it; `failing` flags nodes; `promoted`: 7003 took over 0-5460 from 7000 (failed). */
function nodesText(me: string, opts: { failing?: Record<string, string>; promoted?: boolean } = {}) {
  const line = (name: string, role: string, master: string, slots: string) => {
    const flags = [name === me ? 'myself' : '', role, opts.failing?.[name] ?? ''].filter(Boolean).join(',');
    const id = ID[name as keyof typeof ID] ?? name.padEnd(40, '9');
    return `${id} 127.0.0.1:${PORT[name]}@1${PORT[name]} ${flags} ${master} 0 0 1 connected ${slots}`.trim();
  };
  const range = (s: string) => RANGES[s].join('-');
  return [
    opts.promoted ? line('a', 'master', '-', '') : line('a', 'master', '-', range('a')),
    line('b', 'master', '-', range('b')),
    line('c', 'master', '-', range('c')),
    opts.promoted ? line('ra', 'master', '-', range('a')) : line('ra', 'slave', ID.a, ''),
    line('rb', 'slave', ID.b, ''),
    line('rc', 'slave', ID.c, ''),
  ].join('\n');
}

const INFO_OK =
  'cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:16384\r\ncluster_slots_pfail:0\r\ncluster_slots_fail:0\r\ncluster_known_nodes:6\r\ncluster_current_epoch:6\r\n';

function shard(name: string, answer: { error?: string; nodes?: string; info?: string } = {}): ShardProbe {
  const address = `127.0.0.1:${PORT[name]}`;
  return {
    primary: address,
    replicas: [`127.0.0.1:${PORT[`r${name}`]}`],
    slots: [RANGES[name]],
    view: answer.error
      ? { address, reachable: false, error: answer.error }
      : {
          address,
          reachable: true,
          rttMs: 0.5,
          info: parseClusterInfo(answer.info ?? INFO_OK),
          nodes: parseClusterNodes(answer.nodes ?? nodesText(name)),
        },
  };
}

const snapshot = (shards: ShardProbe[], unassigned: Array<[number, number]> = []): ClusterSnapshot => ({
  at: Date.now(),
  client: 'ready',
  shards,
  unassigned,
});

describe('judgeCluster', () => {
  it('a healthy cluster: up, not degraded, each shard with its replica, state ok, all slots ok', () => {
    const verdict = judgeCluster(snapshot([shard('a'), shard('b'), shard('c')]));
    expect(verdict).toMatchObject({
      status: 'up',
      degraded: false,
      problems: [],
      state: 'ok',
      agree: true,
      unservedSlots: 0,
      slots: { assigned: 16384, ok: 16384, pfail: 0, fail: 0 },
    });
    expect(verdict.shards.map((s) => [s.shard, s.serving, s.replicas])).toEqual([
      ['0-5460', true, ['127.0.0.1:7003']],
      ['5461-10922', true, ['127.0.0.1:7004']],
      ['10923-16383', true, ['127.0.0.1:7005']],
    ]);
  });

  it('a dead primary: down (its slots cannot be served), pfail counted from the others', () => {
    const pfail = INFO_OK.replace('slots_ok:16384', 'slots_ok:10923').replace(
      'slots_pfail:0',
      'slots_pfail:5461',
    );
    const seen = nodesText('b', { failing: { a: 'fail?' } });
    const verdict = judgeCluster(
      snapshot([
        shard('a', { error: 'the connection to it is reconnecting' }),
        shard('b', { info: pfail, nodes: seen }),
        shard('c', { info: pfail, nodes: nodesText('c', { failing: { a: 'fail?' } }) }),
      ]),
    );
    expect(verdict).toMatchObject({ status: 'down', unservedSlots: 5461, degraded: true, state: 'ok' });
    expect(verdict.slots).toEqual({ assigned: 16384, ok: 10923, pfail: 5461, fail: 0 });
    expect(verdict.shards[0]).toMatchObject({ serving: false, replicas: ['127.0.0.1:7003'] });
    expect(verdict.problems).toEqual(
      expect.arrayContaining([
        'shard 0-5460: primary 127.0.0.1:7000 does not serve: the connection to it is reconnecting',
        expect.stringMatching(/nodes flagged failing: 127\.0\.0\.1:7000 \(master,fail\?\)/),
      ]),
    );
  });

  it('readiness keys on other shards: up (degraded) while the dead primary serves none of them', () => {
    const keys = ['app:{t1}'];
    const slots = readySlotsOf(keys)!;
    expect(slots).toEqual(new Set([keySlot('{t1}')]));
    // Pick the dead shard as one that does not hold the key's slot.
    const slot = [...slots][0];
    const dead = Object.keys(RANGES).find((s) => slot < RANGES[s][0] || slot > RANGES[s][1])!;
    const shards = ['a', 'b', 'c'].map((s) => (s === dead ? shard(s, { error: 'refused' }) : shard(s)));
    const verdict = judgeCluster(snapshot(shards), slots);
    expect(verdict).toMatchObject({ status: 'up', degraded: true, unservedSlots: 0 });
    expect(verdict.problems[0]).toMatch(/does not serve \(none of the app keys\): refused/);
    // ... and down when the dead shard is the key's.
    const own = Object.keys(RANGES).find((s) => slot >= RANGES[s][0] && slot <= RANGES[s][1])!;
    const owned = ['a', 'b', 'c'].map((s) => (s === own ? shard(s, { error: 'refused' }) : shard(s)));
    expect(judgeCluster(snapshot(owned), slots)).toMatchObject({ status: 'down', unservedSlots: 1 });
  });

  it('a promoted replica without a replica of its own: up, degraded, the shard named', () => {
    const lonely = nodesText('a').replace(/^(1{40} .*?) slave /m, '$1 slave,fail ');
    const verdict = judgeCluster(snapshot([shard('a', { nodes: lonely }), shard('b'), shard('c')]));
    expect(verdict).toMatchObject({ status: 'up', degraded: true });
    expect(verdict.shards[0].replicas).toEqual([]);
    expect(verdict.problems).toContain('shard 0-5460: no replica: one more failure takes its slots offline');
  });

  it('primaries disagreeing on who serves a range: up, degraded, agree false, the groups named', () => {
    // c still thinks 7000 serves 0-5460 while a and b already see it on 7003 (the promoted replica).
    const moved = (me: string) => nodesText(me, { promoted: true, failing: { a: 'fail' } });
    const verdict = judgeCluster(
      snapshot([shard('a', { nodes: moved('a') }), shard('b', { nodes: moved('b') }), shard('c')]),
    );
    expect(verdict).toMatchObject({ status: 'up', degraded: true, agree: false });
    expect(verdict.problems).toContain(
      'primaries disagree on which node serves which slots: 127.0.0.1:7000, 127.0.0.1:7001 | 127.0.0.1:7002',
    );
  });

  it('a primary on the minority side (cluster_state:fail) does not serve; unassigned slots count', () => {
    const fail = INFO_OK.replace('cluster_state:ok', 'cluster_state:fail');
    const verdict = judgeCluster(snapshot([shard('a', { info: fail }), shard('b')], [[10923, 16383]]));
    expect(verdict).toMatchObject({ status: 'down', state: 'fail', unservedSlots: 5461 + 5461 });
    expect(verdict.problems).toEqual(
      expect.arrayContaining([
        '5461 slots have no primary (10923-16383)',
        'shard 0-5460: primary 127.0.0.1:7000 does not serve: cluster_state:fail (it refuses queries)',
      ]),
    );
  });

  it('no primary answers: down, state unknown, no slot figures', () => {
    const verdict = judgeCluster(snapshot(['a', 'b', 'c'].map((s) => shard(s, { error: 'timeout' }))));
    expect(verdict).toMatchObject({ status: 'down', state: 'unknown', slots: null, unservedSlots: 16384 });
  });

  it('no slot table yet (the writer still connecting): down, every slot unserved, the reason named', () => {
    const verdict = judgeCluster({
      at: Date.now(),
      client: 'connecting',
      shards: [],
      unassigned: [[0, 16383]],
    });
    expect(verdict).toMatchObject({ status: 'down', unservedSlots: 16384, state: 'unknown' });
    expect(verdict.problems).toEqual(['the writer has no slot table yet (its connection is connecting)']);
  });
});

describe('parseClusterNodes', () => {
  it('reads address, flags, master and slot ranges; skips migrating slots', () => {
    const [node] = parseClusterNodes(
      `${ID.a} 10.0.0.1:7000@17000,host-a myself,master - 0 0 1 connected 0-10 12 [13->-${ID.b}]\n`,
    );
    expect(node).toEqual({
      id: ID.a,
      address: '10.0.0.1:7000',
      flags: ['myself', 'master'],
      masterId: undefined,
      linkState: 'connected',
      slots: [
        [0, 10],
        [12, 12],
      ],
    });
  });
});
