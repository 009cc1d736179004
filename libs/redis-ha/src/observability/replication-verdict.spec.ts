import { judgeReplication, parseReplicationInfo } from './replication-verdict';
import type { SentinelView } from './sentinel-view';

const INFO = [
  '# Replication',
  'role:master',
  'connected_slaves:2',
  'slave0:ip=127.0.0.1,port=6391,state=online,offset=1000,lag=0',
  'slave1:ip=127.0.0.1,port=6392,state=online,offset=900,lag=1',
  'master_failover_state:no-failover',
  'master_repl_offset:1000',
  '',
].join('\r\n');

describe('parseReplicationInfo', () => {
  it('reads the role, the offset and each replica with its lag in bytes and seconds', () => {
    expect(parseReplicationInfo(INFO)).toEqual({
      role: 'master',
      masterOffset: 1000,
      replicas: [
        { address: '127.0.0.1:6391', state: 'online', offset: 1000, lagBytes: 0, lagSeconds: 0 },
        { address: '127.0.0.1:6392', state: 'online', offset: 900, lagBytes: 100, lagSeconds: 1 },
      ],
    });
  });

  it('maps replica addresses through REDIS_NAT_MAP', () => {
    const info = parseReplicationInfo(INFO, { '127.0.0.1:6391': { host: 'redis-2.example', port: 7000 } });
    expect(info.replicas.map((r) => r.address)).toEqual(['redis-2.example:7000', '127.0.0.1:6392']);
  });

  it('reads a replica role', () => {
    expect(parseReplicationInfo('role:slave\r\nmaster_host:127.0.0.1\r\n').role).toBe('slave');
  });
});

const replicaView = (addresses: string[]): SentinelView => ({
  sentinel: 's1',
  reachable: true,
  replicas: addresses.map((address) => ({ address, flags: ['slave'] })),
});

describe('judgeReplication', () => {
  const two = parseReplicationInfo(INFO);
  const one = { ...two, replicas: two.replicas.slice(0, 1) };
  const lagging = { ...two, replicas: [two.replicas[0], { ...two.replicas[1], lagSeconds: 12 }] };
  const syncing = { ...two, replicas: [two.replicas[0], { ...two.replicas[1], state: 'wait_bgsave' }] };

  const cases: Array<
    [
      string,
      Parameters<typeof judgeReplication>,
      { status: 'up' | 'down'; inSync: number; problem?: RegExp; missing?: string[] },
    ]
  > = [
    ['two in sync, minimum 2', [two, 2, 10], { status: 'up', inSync: 2 }],
    [
      'one stopped, minimum 2: down and named as missing',
      [one, 2, 10, [replicaView(['127.0.0.1:6391', '127.0.0.1:6392'])]],
      {
        status: 'down',
        inSync: 1,
        problem: /^1 replica\(s\) connected and in sync, HEALTH_MIN_REPLICAS is 2/,
        missing: ['127.0.0.1:6392'],
      },
    ],
    [
      'one stopped, minimum 1: up, degraded',
      [one, 1, 10, [replicaView(['127.0.0.1:6391', '127.0.0.1:6392'])]],
      { status: 'up', inSync: 1, problem: /not connected: 127.0.0.1:6392/, missing: ['127.0.0.1:6392'] },
    ],
    [
      'a replica lagging beyond the bound does not count',
      [lagging, 2, 10],
      {
        status: 'down',
        inSync: 1,
        problem: /last acknowledged 12 s ago \(HEALTH_MAX_REPLICATION_LAG_SECONDS is 10\)/,
      },
    ],
    [
      'a replica still syncing does not count',
      [syncing, 1, 10],
      { status: 'up', inSync: 1, problem: /127.0.0.1:6392 is wait_bgsave/ },
    ],
    ['minimum 0 with no replica', [{ ...two, replicas: [] }, 0, 10], { status: 'up', inSync: 0 }],
    [
      'the writer on a replica',
      [{ role: 'slave', masterOffset: 0, replicas: [] }, 0, 10],
      { status: 'down', inSync: 0, problem: /connected to a slave, not a master/ },
    ],
  ];
  it.each(cases)('%s', (_name, args, expected) => {
    const verdict = judgeReplication(...args);
    expect(verdict).toMatchObject({ status: expected.status, inSync: expected.inSync });
    if (expected.problem) expect(verdict.problems.join('\n')).toMatch(expected.problem);
    else expect(verdict.problems).toEqual([]);
    if (expected.missing) expect(verdict.missing).toEqual(expected.missing);
  });
});
