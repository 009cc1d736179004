import { Cluster } from 'ioredis';
import { infoField, query } from '../tools/cluster/cluster-client';
import { isAlive } from '../tools/cluster/cluster-process';
import { LocalRedisCluster } from '../tools/cluster/redis-cluster';
import { SLOT_COUNT, ownsSlot, primaries, replicasOf, slotCount } from '../tools/cluster/redis-cluster-nodes';

/**
 * The Redis Cluster kit (tools/cluster/redis-cluster.ts, redis/redis-cluster.conf): it forms a sharded cluster on
 * 127.0.0.1, its helpers agree with Redis, and its faults do what the failover tests will rely on. Runs alone:
 *   flock /tmp/redis-ha-e2e.lock npx jest --forceExit test/redis-cluster-kit.e2e-spec.ts
 */
jest.setTimeout(120_000);

const BASE_PORT = 27900;

describe('LocalRedisCluster (cluster mode)', () => {
  let cluster: LocalRedisCluster;
  let app: Cluster;
  let startupMs = 0;
  const admin = () => cluster.adminCredentials();

  /** Writers still running: afterAll() stops them before closing the client they write through. */
  const writers: { stop: () => Promise<void> }[] = [];

  /** A writer through the app's cluster client: the keys it got acknowledged, and how many writes failed. */
  function writer(prefix: string) {
    const load = { acked: [] as string[], failed: 0, running: true, stop: async () => undefined };
    const done = (async () => {
      for (let n = 0; load.running; n++) {
        const key = `${prefix}${n}`;
        if (await app.set(key, String(n)).catch(() => undefined)) load.acked.push(key);
        // a closed client rejects at once: the timer keeps this loop from holding the event loop forever
        else if (++load.failed) await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    load.stop = async () => {
      load.running = false;
      await done;
    };
    writers.push(load);
    return load;
  }

  async function missing(keys: string[]): Promise<string[]> {
    const values = await Promise.all(keys.map((key) => app.get(key)));
    return keys.filter((_, i) => values[i] === null);
  }

  beforeAll(async () => {
    const started = Date.now();
    cluster = await LocalRedisCluster.start({ basePort: BASE_PORT });
    startupMs = Date.now() - started;
    const { username, password } = cluster.appCredentials();
    app = new Cluster(
      cluster.ports.map((port) => ({ host: '127.0.0.1', port })),
      { redisOptions: { username, password }, clusterRetryStrategy: () => 100 },
    );
    app.on('error', () => undefined); // failures surface as rejected commands
  });

  afterAll(async () => {
    await Promise.all(writers.map((w) => w.stop()));
    app?.disconnect();
    const pids = cluster?.ports.map((port) => cluster.pid(port)).filter((pid) => pid !== undefined) ?? [];
    await cluster?.stop();
    for (const pid of pids) expect(isAlive(pid!)).toBe(false);
  });

  it('forms 3 primaries with a replica each, all 16384 slots assigned, cluster_state ok on every node', async () => {
    console.log(`Redis Cluster of 6 nodes started in ${startupMs} ms`);
    const nodes = await cluster.nodes();
    const shards = primaries(nodes);
    expect(shards).toHaveLength(3);
    for (const primary of shards) expect(replicasOf(nodes, primary)).toHaveLength(1);
    expect(shards.reduce((sum, p) => sum + slotCount(p), 0)).toBe(SLOT_COUNT);
    for (const port of cluster.ports) {
      const info = await query<string>(port, admin(), 'CLUSTER', 'INFO');
      expect(infoField(info, 'cluster_state')).toBe('ok');
      expect(infoField(info, 'cluster_slots_assigned')).toBe(String(SLOT_COUNT));
      expect(infoField(info, 'cluster_known_nodes')).toBe('6');
    }
    expect(cluster.env()).toEqual({
      REDIS_MODE: 'cluster',
      REDIS_CLUSTER_NODES: [0, 1, 2, 3, 4, 5].map((i) => `127.0.0.1:${BASE_PORT + i}`).join(','),
      REDIS_USERNAME: 'app',
      REDIS_PASSWORD: cluster.appCredentials().password,
    });
  });

  it('slotOf() agrees with CLUSTER KEYSLOT, hash tags included, and keyOnShard() with the slot map', async () => {
    const keys = 'app:1 cache:user:42 {bull}:orders:id a{tag}b {}empty x{}{y} {{a}} ключ'.split(' ');
    for (const key of keys) {
      const slot = await query<number>(BASE_PORT, admin(), 'CLUSTER', 'KEYSLOT', key);
      expect(cluster.slotOf(key)).toBe(slot);
    }
    for (const primary of primaries(await cluster.nodes())) {
      const key = await cluster.keyOnShard(primary.port, 'app:shard:');
      expect(key.startsWith('app:shard:')).toBe(true);
      expect(await cluster.primaryOfSlot(cluster.slotOf(key))).toBe(primary.port);
    }
  });

  it('the app user writes and reads on every shard through ioredis Cluster, and is refused FLUSHALL', async () => {
    for (const primary of primaries(await cluster.nodes())) {
      const key = await cluster.keyOnShard(primary.port, 'app:kit:');
      expect(await app.set(key, `on ${primary.port}`)).toBe('OK');
      expect(await app.get(key)).toBe(`on ${primary.port}`);
      // it landed on that primary, not somewhere a client-side bug could hide it
      expect(await query(primary.port, admin(), 'EXISTS', key)).toBe(1);
    }
    await expect(app.flushall()).rejects.toThrow(/NOPERM/);
    for (const port of cluster.ports) {
      await expect(query(port, cluster.appCredentials(), 'FLUSHALL')).rejects.toThrow(/NOPERM/);
    }
    await expect(app.set('outside:acl', '1')).rejects.toThrow(/NOPERM/);
  });

  it('SIGKILL of a primary: its replica is promoted within 8 s and the cluster is ok again', async () => {
    const primary = await cluster.primaryOfSlot(0);
    const replica = await cluster.replicaOf(primary);
    const { at } = await cluster.kill(primary);
    const { promotedPort, promotedAt } = await cluster.waitForPromotion(primary, 15_000);
    console.log(`SIGKILL ${primary}: ${promotedPort} answered ROLE master ${promotedAt - at} ms later`);
    expect(promotedPort).toBe(replica);
    expect(promotedAt - at).toBeLessThan(8_000);
    await cluster.waitForClusterOk(10_000);
    expect(await cluster.primaryOfSlot(0)).toBe(replica);
    // The promoted primary has no replica until the dead one is back: redis-cluster.conf's min-replicas-to-write
    // says whether it takes writes meanwhile (0) or refuses them (1).
    const [, minReplicas] = await query<string[]>(replica, admin(), 'CONFIG', 'GET', 'min-replicas-to-write');
    const key = await cluster.keyOnShard(replica, 'app:orphan:');
    const write = query(replica, cluster.appCredentials(), 'SET', key, '1');
    if (minReplicas === '0') await expect(write).resolves.toBe('OK');
    else await expect(write).rejects.toThrow(/NOREPLICAS/);
  });

  it('restart() brings the killed primary back as a replica of the promoted one', async () => {
    const promoted = await cluster.primaryOfSlot(0);
    const killed = cluster.ports.find((port) => !cluster.isRunning(port))!;
    await cluster.restart(killed);
    await cluster.waitForRole(killed, 'slave', 20_000);
    // the primary's own view lists it once a ping from it cleared its FAIL flag there
    await cluster.waitUntilHealthy(20_000);
    expect(await cluster.replicaOf(promoted)).toBe(killed);
    const key = await cluster.keyOnShard(promoted, 'app:back:');
    expect(await app.set(key, '1')).toBe('OK');
  });

  it('failover() on a replica swaps roles, and no acknowledged write is lost', async () => {
    const primary = await cluster.primaryOfSlot(16_383);
    const replica = await cluster.replicaOf(primary);
    const shard = (await cluster.nodes()).find((n) => n.port === primary)!;
    const load = writer('app:failover:');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { at, promotedAt } = await cluster.failover(replica);
    await cluster.waitForRole(primary, 'slave', 20_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await load.stop();
    console.log(
      `CLUSTER FAILOVER ${replica}: master ${promotedAt - at} ms later; ` +
        `${load.acked.length} writes acknowledged, ${load.failed} refused meanwhile`,
    );
    await cluster.waitUntilHealthy(20_000); // every view has caught up with the swap
    expect(await cluster.primaryOfSlot(16_383)).toBe(replica);
    expect(await cluster.replicaOf(replica)).toBe(primary);
    expect(load.acked.filter((key) => ownsSlot(shard, cluster.slotOf(key))).length).toBeGreaterThan(0);
    expect(await missing(load.acked)).toEqual([]);
  });

  it('addShard(500) adds a 4th primary with its replica and moves 500 slots to it while a client writes', async () => {
    const load = writer('app:reshard:');
    const started = Date.now();
    const { primaryPort, replicaPorts } = await cluster.addShard(500);
    await load.stop();
    console.log(
      `addShard(500) took ${Date.now() - started} ms; ${load.acked.length} writes acknowledged, ` +
        `${load.failed} failed meanwhile`,
    );
    expect([primaryPort, ...replicaPorts]).toEqual([BASE_PORT + 6, BASE_PORT + 7]);
    const nodes = await cluster.nodes();
    const shards = primaries(nodes);
    expect(shards).toHaveLength(4);
    const added = shards.find((p) => p.port === primaryPort)!;
    expect(slotCount(added)).toBe(500);
    expect(replicasOf(nodes, added).map((n) => n.port)).toEqual(replicaPorts);
    expect(shards.reduce((sum, p) => sum + slotCount(p), 0)).toBe(SLOT_COUNT);
    expect(load.failed).toBe(0);
    expect(await missing(load.acked)).toEqual([]);
    const key = await cluster.keyOnShard(primaryPort, 'app:new-shard:');
    expect(await app.set(key, '1')).toBe('OK');
    expect(await query(primaryPort, admin(), 'EXISTS', key)).toBe(1);
    expect(cluster.env().REDIS_CLUSTER_NODES.split(',')).toHaveLength(8);
  });
});
