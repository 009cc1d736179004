import { loadRedisHaConfig } from '../config/load-config';
import { RedisHaEvents } from '../events/redis-ha-events';
import { SentinelTopology } from './sentinel/sentinel-topology';
import { StandaloneTopology } from './standalone/standalone-topology';

describe('topologies', () => {
  it('standalone: every role goes to the one address; nothing to explain or close', async () => {
    const config = loadRedisHaConfig({ env: { REDIS_URL: 'redis://h:6380' } }).connection;
    const topology = new StandaloneTopology(config);
    expect(topology.route()).toEqual({ host: 'h', port: 6380 });
    expect(topology.describe()).toEqual({ kind: 'standalone', master: { host: 'h', port: 6380 } });
    await expect(topology.explainStartupFailure()).resolves.toBeUndefined();
    expect(topology.replicaRoute()).toBeUndefined(); // no replicas: the cache reads from the one server
    await expect(topology.close()).resolves.toBeUndefined();
  });

  it('sentinel: writers follow the master connector, readers the replica connector unless REDIS_READ_FROM=master', async () => {
    const env = { REDIS_SENTINEL_HOSTS: 's1:26379', REDIS_READ_FROM: 'replica' };
    // Not started: routes only, no subscription to the (fictitious) sentinel.
    const topology = new SentinelTopology(loadRedisHaConfig({ env }).connection, new RedisHaEvents());
    const writer = topology.route('writer');
    const reader = topology.route('reader');
    expect(writer).toEqual({ role: 'master', Connector: expect.any(Function) });
    expect(reader).toEqual({ role: 'slave', Connector: expect.any(Function) });
    expect(reader.Connector).not.toBe(writer.Connector);
    expect(topology.route('producer').Connector).toBe(writer.Connector);
    const masterOnly = new SentinelTopology(
      loadRedisHaConfig({ env: { ...env, REDIS_READ_FROM: 'master' } }).connection,
      new RedisHaEvents(),
    );
    expect(masterOnly.route('reader').role).toBe('master');
    // The cache's CACHE_READ_FROM reads a replica whatever REDIS_READ_FROM says.
    expect(topology.replicaRoute()).toEqual({ role: 'slave', Connector: reader.Connector });
    expect(masterOnly.replicaRoute().role).toBe('slave');
    expect(masterOnly.replicaRoute().Connector).not.toBe(masterOnly.route('writer').Connector);
    expect(topology.describe()).toMatchObject({ kind: 'sentinel', master: undefined, sentinels: new Map() });
    // Not started: no lease yet, and no sentinel has named a master, so writes are held.
    expect(topology.describe().writeLease).toMatchObject({ held: false, minority: true });
    await topology.close();
    await masterOnly.close();
  });

  describe("sentinel: failover messages that do not fit the module's view of the master", () => {
    const A = { host: '10.0.0.1', port: 6379 };
    const B = { host: '10.0.0.2', port: 6379 };
    const C = { host: '10.0.0.3', port: 6379 };
    const switchMsg = (from: typeof A, to: typeof A) =>
      `mymaster ${from.host} ${from.port} ${to.host} ${to.port}`;
    const tryMsg = (m: typeof A) => `master mymaster ${m.host} ${m.port}`;
    let topology: SentinelTopology;
    let events: string[];
    let majorityNames: typeof A;
    const send = (channel: string, message: string) =>
      (topology as unknown as { onMessage(s: string, c: string, m: string): void }).onMessage(
        's1:26379',
        channel,
        message,
      );
    const settle = () => new Promise((resolve) => setImmediate(resolve));

    beforeEach(async () => {
      const env = { REDIS_SENTINEL_HOSTS: 's1:26379,s2:26379,s3:26379' };
      const bus = new RedisHaEvents();
      topology = new SentinelTopology(loadRedisHaConfig({ env }).connection, bus);
      events = [];
      bus.events$.subscribe((e) => events.push(e.type));
      jest.spyOn(topology.resolver, 'master').mockImplementation(async () => majorityNames);
      jest
        .spyOn(topology.resolver, 'confirms')
        .mockImplementation(async (a) => a.host === majorityNames.host && a.port === majorityNames.port);
      majorityNames = B;
      send('+switch-master', switchMsg(A, B)); // no view yet: acted on, the view is now B
      await settle();
      expect(events).toEqual(['master-changed']);
      events.length = 0;
    });
    afterEach(() => topology.close());

    it('a late +try-failover of the old master (after a heal) does not hold writes or cut the writer', async () => {
      send('+try-failover', tryMsg(A));
      await settle();
      expect(events).toEqual([]);
      expect(topology.gate.held).toBe(false);
    });

    it('a late +switch-master of an older failover does not switch back', async () => {
      send('+switch-master', switchMsg(C, A));
      await settle();
      expect(events).toEqual([]);
      expect(topology.gate.knownMaster()).toEqual(B);
    });

    it('a switch whose predecessor was missed is followed once a majority confirms it', async () => {
      majorityNames = C; // B -> D -> C happened; only the last message reached us
      send('+switch-master', switchMsg({ host: '10.0.0.4', port: 6379 }, C));
      await settle();
      expect(events).toEqual(['master-changed']);
      expect(topology.gate.knownMaster()).toEqual(C);
    });

    it('a +try-failover of the master in view holds at once, without asking', async () => {
      send('+try-failover', tryMsg(B));
      expect(events).toEqual(['failover-started']);
      expect(topology.gate.held).toBe(true);
      expect(topology.resolver.confirms).not.toHaveBeenCalled();
    });
  });
});
