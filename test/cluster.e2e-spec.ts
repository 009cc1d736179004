import { connect } from 'node:net';
import { Queue, Worker } from 'bullmq';
import { query, type Credentials } from '../tools/cluster/cluster-client';
import { LocalCluster } from '../tools/cluster/local-cluster';

/**
 * The HA topology of redis/ on real processes (issue 2, "Must show"): replication, the sentinel quorum, the
 * ACL users, persistence, a SIGKILL failover with the old master rejoining, and no failover without quorum.
 * One cluster is shared, in order: each case leaves it healthy for the next (the failover cases come last).
 */
const BASE_PORT = 27000;
jest.setTimeout(60_000);

/** One command on a raw socket, reply line as is: what a client without credentials sees. */
function raw(port: number, ...commands: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let buffer = '';
    socket.setTimeout(2_000, () => socket.destroy(new Error('no reply')));
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      const lines = buffer.split('\r\n').filter(Boolean);
      if (lines.length >= commands.length) {
        socket.destroy();
        resolve(lines.slice(0, commands.length));
      }
    });
    socket.on('connect', () => socket.write(commands.map((c) => `${c}\r\n`).join('')));
  });
}

function refused(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    (value) => `allowed: ${JSON.stringify(value)}`,
    (err: Error) => err.message,
  );
}

describe('local HA cluster (redis/ topology)', () => {
  let cluster: LocalCluster;
  let startMs: number;
  let app: Credentials;
  let admin: Credentials;

  beforeAll(async () => {
    const started = Date.now();
    cluster = await LocalCluster.start({ basePort: BASE_PORT, downAfterMs: 2000, failoverTimeoutMs: 5000 });
    startMs = Date.now() - started;
    app = cluster.appCredentials();
    admin = cluster.adminCredentials();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('runs 1 master, 2 replicas and 3 sentinels as 6 live processes, started within seconds', async () => {
    const status = await cluster.status();
    expect(status.map((n) => n.role).sort()).toEqual([
      'master',
      'sentinel',
      'sentinel',
      'sentinel',
      'slave',
      'slave',
    ]);
    for (const node of status) expect(() => process.kill(node.pid!, 0)).not.toThrow();
    expect(new Set(status.map((n) => n.pid)).size).toBe(6);
    expect(startMs).toBeLessThan(5_000);
  });

  it('replicates a write on the master named by Sentinel to both replicas', async () => {
    const [host, port] = await query<string[]>(
      cluster.sentinelPorts[1],
      app,
      'SENTINEL',
      'GET-MASTER-ADDR-BY-NAME',
      'mymaster',
    );
    expect(host).toBe('127.0.0.1');
    const master = Number(port);
    expect(master).toBe(BASE_PORT);
    const value = `v-${Date.now()}`;
    await query(master, app, 'SET', 'app:replicated', value);
    for (const replica of cluster.redisPorts.filter((p) => p !== master)) {
      await expect(waitForValue(replica, 'app:replicated')).resolves.toBe(value);
    }
  });

  async function waitForValue(port: number, key: string): Promise<string | null> {
    const deadline = Date.now() + 5_000;
    let value: string | null = null;
    while (Date.now() < deadline) {
      value = await query<string | null>(port, app, 'GET', key);
      if (value !== null) return value;
      await new Promise((r) => setTimeout(r, 20));
    }
    return value;
  }

  it('answers OK to SENTINEL CKQUORUM on every sentinel', async () => {
    for (const port of cluster.sentinelPorts) {
      await expect(query(port, admin, 'SENTINEL', 'CKQUORUM', 'mymaster')).resolves.toMatch(
        /^OK 3 usable Sentinels/,
      );
    }
  });

  it('refuses clients without credentials or with a wrong password, on Redis and on Sentinel', async () => {
    for (const port of [cluster.redisPorts[0], cluster.redisPorts[1], cluster.sentinelPorts[0]]) {
      const [ping, wrong, def] = await raw(port, 'PING', 'AUTH app not-the-password', 'AUTH anything');
      expect(ping).toMatch(/^-NOAUTH/);
      expect(wrong).toMatch(/^-WRONGPASS/);
      expect(def).toMatch(/^-WRONGPASS/); // the `default` user is off
    }
  });

  it('lets the app user do what the cache and BullMQ need, within its key prefixes', async () => {
    const m = BASE_PORT;
    await expect(query(m, app, 'SET', 'cache:holidays:2025', 'x', 'EX', 60)).resolves.toBe('OK');
    await expect(query(m, app, 'XADD', '{bull}:q:events', '*', 'event', 'added')).resolves.toMatch(/-/);
    await expect(query(m, app, 'EVAL', "return redis.call('INCR', KEYS[1])", 1, 'app:counter')).resolves.toBe(
      1,
    );
    await expect(query(m, app, 'CLIENT', 'SETNAME', 'bull:cXVldWU=')).resolves.toBe('OK');
    await expect(query(m, app, 'CLIENT', 'LIST')).resolves.toMatch(/id=/);
    await expect(query(m, app, 'INFO', 'replication')).resolves.toMatch(/role:master/);
    await expect(query(m, app, 'ROLE')).resolves.toEqual(expect.arrayContaining(['master']));
    await expect(query(m, app, 'WAIT', 1, 1000)).resolves.toBeGreaterThanOrEqual(1);
    await expect(query(m, app, 'PUBLISH', 'app:events', 'hello')).resolves.toBe(0);
    // on the sentinels: discovery and the state health reports, nothing that changes it
    const s = cluster.sentinelPorts[0];
    await expect(query(s, app, 'SENTINEL', 'REPLICAS', 'mymaster')).resolves.toHaveLength(2);
    await expect(query(s, app, 'SENTINEL', 'CKQUORUM', 'mymaster')).resolves.toMatch(/^OK/);
  });

  it('refuses the app user admin commands and keys or channels outside its prefixes', async () => {
    const m = BASE_PORT;
    const noperm = /NOPERM|can't access/;
    for (const command of [
      ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'],
      ['CONFIG', 'GET', 'masterauth'],
      ['FLUSHALL'],
      ['FLUSHDB'],
      ['KEYS', '*'],
      ['ACL', 'LIST'],
      ['REPLICAOF', 'NO', 'ONE'],
      ['SET', 'other:key', '1'],
      ['GET', 'session:42'],
      ['EVAL', "return redis.call('GET', 'other:key')", '0'],
      ['PUBLISH', 'other-channel', 'x'],
    ]) {
      await expect(refused(query(m, app, ...command))).resolves.toMatch(noperm);
    }
    // Commands that would take the test down if the ACL allowed them are checked without running them.
    for (const command of [['SHUTDOWN', 'NOSAVE'], ['DEBUG', 'SLEEP', '0'], ['MONITOR'], ['SAVE']]) {
      await expect(query(m, admin, 'ACL', 'DRYRUN', 'app', ...command)).resolves.toMatch(/no permissions/);
    }
    const s = cluster.sentinelPorts[0];
    for (const command of [
      ['SENTINEL', 'FAILOVER', 'mymaster'],
      ['SENTINEL', 'SET', 'mymaster', 'quorum', '1'],
      ['SENTINEL', 'RESET', '*'],
    ]) {
      await expect(refused(query(s, app, ...command))).resolves.toMatch(/NOPERM/);
    }
  });

  it('limits the replicator, sentinel and exporter users to their job', async () => {
    const m = BASE_PORT;
    const { passwords } = cluster.state();
    const as = (username: 'replicator' | 'sentinel' | 'exporter'): Credentials => ({
      username,
      password: passwords[username],
    });
    await expect(refused(query(m, as('replicator'), 'GET', 'app:replicated'))).resolves.toMatch(/NOPERM/);
    await expect(query(m, as('sentinel'), 'INFO', 'replication')).resolves.toMatch(/connected_slaves:2/);
    await expect(refused(query(m, as('sentinel'), 'SET', 'app:x', '1'))).resolves.toMatch(/NOPERM/);
    await expect(query(m, as('exporter'), 'INFO', 'memory')).resolves.toMatch(/maxmemory_policy:noeviction/);
    await expect(refused(query(m, as('exporter'), 'GET', 'app:replicated'))).resolves.toMatch(/NOPERM/);
    await expect(
      refused(query(cluster.sentinelPorts[0], as('exporter'), 'SENTINEL', 'FAILOVER', 'mymaster')),
    ).resolves.toMatch(/NOPERM/);
    // The refusals above are in the ACL logs; clear them so the last case sees only the cluster's own.
    for (const port of [...cluster.redisPorts, ...cluster.sentinelPorts])
      await query(port, admin, 'ACL', 'LOG', 'RESET');
  });

  it('runs a BullMQ queue, worker and getWorkers() through Sentinel as the app user', async () => {
    const connection = {
      sentinels: cluster.sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
      name: 'mymaster',
      ...{ username: 'app', password: app.password, sentinelUsername: 'app', sentinelPassword: app.password },
    };
    const prefix = '{bull}'; // the library's QUEUE_PREFIX default, which the app user's key patterns allow
    const queue = new Queue('acl-check', { connection, prefix });
    const worker = new Worker('acl-check', async (job) => job.data.n * 2, {
      connection: { ...connection, maxRetriesPerRequest: null },
      prefix,
    });
    try {
      const done = new Promise<number>((resolve, reject) => {
        worker.on('completed', (_job, result: number) => resolve(result));
        worker.on('failed', (_job, err) => reject(err));
      });
      await worker.waitUntilReady();
      await queue.add('double', { n: 21 });
      await expect(done).resolves.toBe(42);
      expect((await queue.getWorkers()).length).toBeGreaterThanOrEqual(1);
      await queue.obliterate({ force: true });
    } finally {
      await worker.close();
      await queue.close();
    }
  });

  it('brings a restarted master back with its data from AOF (crash) and RDB+AOF (clean shutdown)', async () => {
    const m = BASE_PORT;
    for (const sig of ['SIGKILL', 'SIGTERM'] as const) {
      await cluster.waitUntilHealthy(20_000); // min-replicas-to-write 1: writes need a linked replica
      for (let i = 0; i < 200; i++) await query(m, app, 'SET', `app:persist:${sig}:${i}`, String(i));
      // A script's writes reach the AOF as MULTI/EXEC, which Redis 7.0 replays as the `default` user.
      const script = "redis.call('SET', KEYS[1], ARGV[1]); redis.call('DEL', KEYS[2]); return 1";
      await query(m, app, 'SET', `{bull}:persist:${sig}:gone`, 'x');
      await query(
        m,
        app,
        'EVAL',
        script,
        2,
        `{bull}:persist:${sig}:script`,
        `{bull}:persist:${sig}:gone`,
        sig,
      );
      await new Promise((r) => setTimeout(r, 1_200)); // appendfsync everysec
      await cluster.stopNode(m, sig);
      await cluster.startNode(m); // well within down-after: the sentinels do not fail over
      // A restarted master has nobody to resync from: what it holds came from its own files.
      await expect(query(m, app, 'GET', `app:persist:${sig}:199`)).resolves.toBe('199');
      await expect(query(m, app, 'GET', `{bull}:persist:${sig}:script`)).resolves.toBe(sig);
      await expect(query(m, app, 'EXISTS', `{bull}:persist:${sig}:gone`)).resolves.toBe(0);
      await expect(query(m, admin, 'ROLE')).resolves.toEqual(expect.arrayContaining(['master']));
    }
    await expect(query(m, admin, 'INFO', 'persistence')).resolves.toMatch(/aof_enabled:1/);
    await cluster.waitUntilHealthy(20_000);
  });

  it('promotes a replica when the master is killed, and the old master rejoins as its replica', async () => {
    const sw = cluster.nextSwitch(30_000);
    await sw.ready;
    const killed = await cluster.killMaster();
    const switched = await sw;
    expect(switched.from).toBe(killed.port);
    expect(cluster.redisPorts).toContain(switched.to);
    const agreed = await cluster.waitForSwitch(killed.port, 15_000);
    expect(agreed.port).toBe(switched.to);
    await expect(query(agreed.port, admin, 'ROLE')).resolves.toEqual(expect.arrayContaining(['master']));

    await cluster.startNode(killed.port);
    await cluster.waitForRole(killed.port, 'slave', 30_000);
    const status = await cluster.status();
    expect(status.find((n) => n.port === killed.port)).toMatchObject({
      role: 'slave',
      masterPort: agreed.port,
      link: 'up',
    });
    expect(status.find((n) => n.port === agreed.port)).toMatchObject({ role: 'master' });
    expect(status.filter((n) => n.kind === 'sentinel').every((n) => n.masterPort === agreed.port)).toBe(true);
    await expect(query(killed.port, app, 'GET', 'app:replicated')).resolves.not.toBeNull();
  });

  it('promotes nobody when 2 of 3 sentinels are down (no quorum)', async () => {
    await cluster.waitUntilHealthy(20_000);
    const master = await cluster.master();
    await cluster.stopSentinel(1);
    await cluster.stopSentinel(2);
    const sw = cluster.nextSwitch(9_000);
    await sw.ready;
    await cluster.killMaster();
    // down-after 2000 + a failover's ~1.5 s, twice over: a switch would have happened by now
    await expect(sw).rejects.toThrow(/no \+switch-master/);
    await expect(
      query(cluster.sentinelPorts[0], admin, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster'),
    ).resolves.toEqual(['127.0.0.1', String(master)]);
    for (const replica of cluster.redisPorts.filter((p) => p !== master)) {
      await expect(query(replica, admin, 'ROLE')).resolves.toEqual(expect.arrayContaining(['slave']));
    }
    // back to health for whoever runs after: the master returns, then the sentinels
    await cluster.startNode(master);
    await cluster.startSentinel(1);
    await cluster.startSentinel(2);
    await expect(cluster.waitUntilHealthy(30_000)).resolves.toBe(master);
  });

  it('refused nothing the replicas and sentinels did through all of the above (ACL LOG empty)', async () => {
    for (const port of [...cluster.redisPorts, ...cluster.sentinelPorts]) {
      await expect(query(port, admin, 'ACL', 'LOG')).resolves.toEqual([]);
    }
  });
});
