import { createServer, type Server, type Socket } from 'node:net';
import { RedisHaEvents, type RedisHaEvent } from '../../events/redis-ha-events';
import type { FailoverGate, GatedConnector } from './failover-gate';
import type { HostPort } from '../../config/connection.config';
import { ReplicaLagWatch } from './replica-lag-watch';
import type { SentinelResolver } from './sentinel-resolver';

/**
 * The watch's arithmetic against stand-in nodes that answer `INFO replication` with the offsets the test sets:
 * the case the e2e suite cannot stage without a network namespace (a replica whose link still reads `up` while
 * nothing reaches it, as in a partition, for up to `repl-timeout`). The link-down case runs on real processes
 * in test/replica-lag.e2e-spec.ts.
 */
async function fakeNode(info: () => string) {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket.on('close', () => sockets.delete(socket)));
    socket.on('data', (data) => {
      if (/info/i.test(data.toString())) {
        const body = info();
        socket.write(`$${Buffer.byteLength(body)}\r\n${body}\r\n`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address: HostPort = { host: '127.0.0.1', port: (server.address() as { port: number }).port };
  return {
    address,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

class Reader implements GatedConnector {
  readonly role = 'slave' as const;
  cuts = 0;
  constructor(public at: HostPort) {}
  address() {
    return this.at;
  }
  cut() {
    this.cuts++;
  }
  isClosed() {
    return false;
  }
}

describe('ReplicaLagWatch', () => {
  let masterOffset = 1000;
  let replicaOffset = 1000;
  let link = 'up';
  const nodes: Array<{ close(): Promise<unknown> }> = [];
  let watch: ReplicaLagWatch;
  let reader: Reader;
  let stale: Array<[number, boolean]>;
  let events: RedisHaEvent[];
  let master: HostPort;
  let replica: HostPort;

  beforeEach(async () => {
    const m = await fakeNode(() => `# Replication\r\nrole:master\r\nmaster_repl_offset:${masterOffset}\r\n`);
    const r = await fakeNode(
      () =>
        `# Replication\r\nrole:slave\r\nmaster_link_status:${link}\r\nslave_repl_offset:${replicaOffset}\r\n`,
    );
    nodes.push(m, r);
    [master, replica] = [m.address, r.address];
    reader = new Reader(replica);
    stale = [];
    events = [];
    const bus = new RedisHaEvents();
    bus.events$.subscribe((e) => events.push(e));
    const gate = { readers: () => [reader], knownMaster: () => master } as unknown as FailoverGate;
    const resolver = {
      markStale: (a: HostPort, s: boolean) => stale.push([a.port, s]),
    } as unknown as SentinelResolver;
    const options = (node: HostPort) => ({
      ...node,
      protocol: 2 as const,
      disableClientInfo: true,
      enableReadyCheck: false,
    });
    watch = new ReplicaLagWatch(gate, resolver, options, 1000, bus);
    [masterOffset, replicaOffset, link] = [1000, 1000, 'up'];
  });
  afterEach(async () => {
    watch.close();
    await Promise.all(nodes.splice(0).map((n) => n.close()));
  });

  it('keeps a replica that follows the master', async () => {
    for (let t = 0; t < 5000; t += 250) {
      masterOffset += 100;
      replicaOffset = masterOffset;
      await watch.tick(t);
    }
    expect(stale).toEqual([]);
    expect(reader.cuts).toBe(0);
  });

  it('leaves a replica whose link still says up but that stopped receiving, once its data is older than the bound', async () => {
    let leftAt = -1;
    for (let t = 0; t < 3000; t += 250) {
      masterOffset += 100; // the master keeps writing; the replica (cut off) does not see it
      await watch.tick(t);
      if (leftAt < 0 && reader.cuts > 0) leftAt = t;
    }
    // The first offset it lacks was recorded at t=0: older than 1000 ms at t=1250.
    expect(leftAt).toBe(1250);
    expect(stale).toEqual([[replica.port, true]]);
    expect(events.map((e) => e.type)).toEqual(['replica-stale']);
    expect(events[0]).toMatchObject({ reason: expect.stringMatching(/^1250 ms behind the master$/) });
  });

  it('leaves at once when the link is down; returns once within half the bound, cutting readers on the master', async () => {
    link = 'down';
    masterOffset = 1100; // written after the link went down: the replica lacks it from t=0 on
    await watch.tick(0);
    expect(stale).toEqual([[replica.port, true]]);
    expect(events[0]).toMatchObject({ reason: 'its link to the master is down' });
    reader.at = master; // the reader fell back to the master
    for (let t = 250; t <= 1000; t += 250) {
      masterOffset += 100;
      await watch.tick(t);
    }
    link = 'up'; // back, but resyncing: still lacks what the master wrote since t=0
    masterOffset += 100;
    await watch.tick(1250);
    expect(stale).toHaveLength(1); // 1250 ms behind: more than half the bound
    replicaOffset = masterOffset;
    await watch.tick(1500);
    expect(stale).toEqual([
      [replica.port, true],
      [replica.port, false],
    ]);
    expect(reader.cuts).toBe(2); // cut off the stale replica, then off the master so that it goes back
    expect(events.map((e) => e.type)).toEqual(['replica-stale', 'replica-fresh']);
  });
});
