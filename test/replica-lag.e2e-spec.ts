import type { INestApplication } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisHaEvents, getRedisToken, type RedisHaEvent } from '@app/redis-ha';
import { startHaApp } from './helpers/ha-app';
import { LocalCluster } from '../tools/cluster/local-cluster';

const MAX_LAG_MS = 1000;
const TICK_MS = 20;

/**
 * A replica that keeps serving while its link to the master is down (`replica-serve-stale-data yes`): the link
 * is broken for real by giving the replica a wrong `masterauth` and dropping its master connection, so it
 * cannot re-authenticate (what a partition between the two does, without a network namespace). Sentinel would
 * notice after its `repl-timeout`/INFO refresh; the reader must leave within the bound and come back after.
 */
describe('replica reads stay within REDIS_READ_MAX_LAG_MS', () => {
  let cluster: LocalCluster;
  let app: INestApplication;
  let admin: Redis | undefined;
  let stopped = 0;
  const events: RedisHaEvent[] = [];

  beforeAll(async () => {
    cluster = await LocalCluster.start({ basePort: 27670, downAfterMs: 2000, failoverTimeoutMs: 5000 });
    const master = await cluster.master();
    // One replica left, so "back on it after the heal" is a fact to check, not a coin toss between two.
    stopped = cluster.redisPorts.find((p) => p !== master) as number;
    await cluster.stopNode(stopped);
    // The master keeps taking writes while its one replica is cut off (min-replicas-to-write 1 would refuse
    // them at once), so that the replica falls behind; and the sentinels flag the stopped one (down-after 2 s).
    const masterAdmin = cluster.admin(master);
    await masterAdmin.config('SET', 'min-replicas-to-write', '0');
    masterAdmin.disconnect();
    await sleep(3000);
    const env = {
      ...cluster.env(),
      REDIS_KEY_PREFIX: 'app:',
      REDIS_READ_FROM: 'replica-preferred',
      REDIS_READ_MAX_LAG_MS: String(MAX_LAG_MS),
    };
    app = await startHaApp({ env });
    app.get(RedisHaEvents).events$.subscribe((e) => events.push(e));
  });

  afterAll(async () => {
    admin?.disconnect();
    await app?.close();
    await cluster?.stop();
  });

  it('leaves a replica whose link is down within the bound, reads the master meanwhile, returns after the heal', async () => {
    const writer = app.get<Redis>(getRedisToken());
    const reader = app.get<Redis>(getRedisToken('reader'));
    const master = await cluster.master();
    const replica = cluster.redisPorts.find((p) => p !== master && p !== stopped) as number;
    const nodeOf = async () => Number(/tcp_port:(\d+)/.exec(await reader.info('server'))?.[1]);

    // The reader starts on the one replica.
    await poll('reader on the replica', async () => (await nodeOf()) === replica, 15_000).catch(
      async (err) => {
        throw new Error(
          `${err.message}: reader on ${await nodeOf()}, master ${master}, replica ${replica}, stopped ${stopped}, events ${JSON.stringify(events)}`,
        );
      },
    );

    // Heartbeats: the writer stamps the time, the reader sees how old what it reads is.
    // Staleness of a read: how long before the read the first acknowledged write it does not show was acked
    // (0 when it shows the latest), so a pause of the writes does not count as lag.
    const acked: Array<{ stamp: number; ackAt: number }> = [];
    const samples: Array<{ at: number; lag: number }> = [];
    let running = true;
    const writing = (async () => {
      while (running) {
        const stamp = Date.now();
        await writer.set('hb', String(stamp)).then(
          () => acked.push({ stamp, ackAt: Date.now() }),
          () => undefined,
        );
        await sleep(TICK_MS);
      }
    })();
    const reading = (async () => {
      while (running) {
        const at = Date.now();
        const value = Number(await reader.get('hb').catch(() => 0));
        const missed = acked.find((w) => w.stamp > value && w.ackAt < at);
        if (value) samples.push({ at, lag: missed ? at - missed.ackAt : 0 });
        await sleep(TICK_MS);
      }
    })();
    await sleep(500);

    admin = cluster.admin(replica);
    const [, masterauth] = (await admin.config('GET', 'masterauth')) as string[];
    const cutAt = Date.now();
    let leftAfterMs = 0;
    try {
      await admin.config('SET', 'masterauth', 'not-the-replication-password');
      await admin.call('CLIENT', 'KILL', 'TYPE', 'master');
      await poll('the reader on the master', async () => (await nodeOf()) === master, 10_000);
      leftAfterMs = Date.now() - cutAt;
      await sleep(3000); // keep reading with the replica still cut off
      // Heal within min-replicas-max-lag (10 s): past it the master would refuse the heartbeats.
    } finally {
      await admin.config('SET', 'masterauth', masterauth);
    }
    const healAt = Date.now();
    await poll('the reader back on the replica', async () => (await nodeOf()) === replica, 20_000);
    const backAfterMs = Date.now() - healAt;
    await sleep(500);
    running = false;
    await Promise.all([writing, reading]);

    const during = samples.filter((s) => s.at >= cutAt);
    const maxLag = Math.max(...during.map((s) => s.lag));
    console.log(
      `replica lag: reader left the cut-off replica ${leftAfterMs} ms after the cut, max lag read ${maxLag} ms ` +
        `(bound ${MAX_LAG_MS}), back on the replica ${backAfterMs} ms after the heal`,
    );
    expect(during.length).toBeGreaterThan(50);
    expect(maxLag).toBeLessThanOrEqual(MAX_LAG_MS + 1000);
    const types = events.map((e) => e.type);
    expect(types).toContain('replica-stale');
    expect(types).toContain('replica-fresh');
    expect(events.find((e) => e.type === 'replica-stale')).toMatchObject({ replica: { port: replica } });
  });
});

async function poll(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
