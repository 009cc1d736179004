import { EventEmitter } from 'node:events';
import type { Cluster } from 'ioredis';
import { loadAllSettings } from '../config/load-config';
import type { RedisHaConfig } from '../config/redis-ha-options.interface';
import { ClusterProbe } from './cluster-probe';

const INFO = 'cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:16384\r\n';

/** A stand-in node client: its status, and how CLUSTER answers (`hang`: never). */
class FakeNode extends EventEmitter {
  readonly calls: string[] = [];
  stream = {};
  constructor(
    public status: string,
    readonly port: number,
    private readonly answer: 'ok' | 'hang' = 'ok',
  ) {
    super();
  }
  get options() {
    return { host: '127.0.0.1', port: this.port };
  }
  connect() {
    setTimeout(() => {
      this.status = 'ready';
      this.emit('ready');
    }, 5);
    return Promise.resolve();
  }
  call(...args: string[]) {
    this.calls.push(args.join(' '));
    if (this.answer === 'hang') return new Promise(() => undefined);
    return Promise.resolve(
      args[1] === 'INFO' ? INFO : `id 127.0.0.1:${this.port}@1 myself,master - 0 0 1 connected`,
    );
  }
}

function probe(nodes: FakeNode[]) {
  // Three shards: 0-5460 on 7000, 5461-10922 on 7001, 10923-16383 on 7002; 16000-16383 unassigned.
  const slots = Array.from({ length: 16384 }, (_, slot) =>
    slot >= 16000 ? undefined : [`127.0.0.1:${7000 + (slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2)}`],
  );
  const writer = { slots, nodes: () => nodes } as unknown as Cluster;
  const config = { connection: { mode: 'cluster' } } as RedisHaConfig;
  return new ClusterProbe(config, loadAllSettings({ HEALTH_TIMEOUT_MS: '200' }).health, writer);
}

describe('ClusterProbe', () => {
  it('asks each primary within the bound: a hung one times out, a reconnecting one is not asked, a lazy one is connected', async () => {
    const nodes = [
      new FakeNode('wait', 7000),
      new FakeNode('reconnecting', 7001),
      new FakeNode('ready', 7002, 'hang'),
    ];
    const started = Date.now();
    const snapshot = await probe(nodes).snapshot();
    expect(Date.now() - started).toBeLessThan(1000); // the hung one would never answer: bounded by 180 ms
    expect(snapshot.unassigned).toEqual([[16000, 16383]]);
    const [lazy, reconnecting, hung] = snapshot.shards;
    expect(lazy).toMatchObject({ primary: '127.0.0.1:7000', slots: [[0, 5460]], view: { reachable: true } });
    expect(lazy.view.info?.state).toBe('ok');
    expect(reconnecting.view).toMatchObject({
      reachable: false,
      error: 'the connection to it is reconnecting',
    });
    expect(nodes[1].calls).toEqual([]);
    expect(hung.view).toMatchObject({
      reachable: false,
      error: expect.stringMatching(/did not answer within \d+ ms \(HEALTH_TIMEOUT_MS\)/),
    });
    expect(hung.slots).toEqual([[10923, 15999]]);
  });

  it('shares one probe between concurrent callers and reuses a recent snapshot', async () => {
    const nodes = [new FakeNode('ready', 7000), new FakeNode('ready', 7001), new FakeNode('ready', 7002)];
    const p = probe(nodes);
    const [a, b] = await Promise.all([p.snapshot(), p.snapshot()]);
    expect(a).toBe(b);
    expect(await p.snapshot(10_000)).toBe(a);
    expect(nodes[0].calls).toEqual(['CLUSTER INFO', 'CLUSTER NODES']);
  });

  it('a primary the client has no connection to is reported, not waited for', async () => {
    const snapshot = await probe([new FakeNode('ready', 7000)]).snapshot();
    expect(snapshot.shards[1].view).toMatchObject({
      reachable: false,
      error: expect.stringMatching(/no connection/),
    });
  });
});
