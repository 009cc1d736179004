import type { INestApplication } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import Redis, { type Cluster, type RedisOptions } from 'ioredis';
import { getRedisToken } from '@app/redis-ha';
import { LocalRedisCluster } from '../tools/cluster/redis-cluster';
import { startHaApp } from './helpers/ha-app';
import { ShardLoad, keysPerShard } from './helpers/shard-load';

/**
 * The core on a Redis Cluster that speaks TLS only (ports 28700-28705): clients, the cluster bus and replication
 * over TLS, plaintext ports off, client certificates required (mutual TLS), a throwaway CA made by the launcher.
 * The library gets REDIS_TLS, REDIS_TLS_CA_FILE, REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE.
 */
describe('Redis Cluster over TLS', () => {
  let cluster: LocalRedisCluster;
  let app: INestApplication;
  let writer: Cluster;

  beforeAll(async () => {
    cluster = await LocalRedisCluster.start({ basePort: 28700, nodeTimeoutMs: 2000, tls: true });
    app = await startHaApp({ env: cluster.env() });
    writer = app.get(getRedisToken());
  });
  afterAll(async () => {
    await app?.close();
    await cluster?.stop();
  });

  it('refuses plaintext and clients without a certificate; replication runs over TLS', async () => {
    const attempt = async (options: RedisOptions) => {
      const client = new Redis({
        ...options,
        lazyConnect: true,
        retryStrategy: () => null,
        connectTimeout: 1000,
      });
      client.on('error', () => undefined);
      try {
        await client.connect();
        return await client.ping();
      } catch (err) {
        return (err as Error).message;
      } finally {
        client.disconnect();
      }
    };
    const { username, password, tls } = cluster.adminCredentials();
    const port = cluster.ports[0];
    expect(await attempt({ port, username, password })).not.toBe('PONG'); // plaintext on the TLS port
    const caOnly = { ca: readFileSync(tls!.ca) };
    expect(await attempt({ port, username, password, tls: caOnly })).not.toBe('PONG'); // no client certificate
    // The replicas' links are up although no node listens in plaintext: replication is TLS.
    for (const node of (await cluster.nodes()).filter((n) => n.role === 'slave')) {
      const admin = cluster.admin(node.port);
      const info = (await admin.info('replication').finally(() => admin.disconnect())) as string;
      expect(info).toMatch(/master_link_status:up/);
    }
  });

  it('writes and reads every shard, and rides a SIGKILL: 0 failed, 0 lost, resumed <= 0.5 s after the promotion', async () => {
    const keys = await keysPerShard(cluster, 'tls');
    expect(new Set(keys.map((k) => k.shard)).size).toBe(3);
    const load = new ShardLoad(writer, keys);
    load.start();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const victim = keys[0].shard;
    const { at } = await cluster.kill(victim);
    const { promotedAt } = await cluster.waitForPromotion(victim).catch(async (err: Error) => {
      await load.stop();
      throw err;
    });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, promotedAt + 2000 - Date.now())));
    await load.stop();
    const figures = await load.figures(writer, victim, at, promotedAt);
    process.stdout.write(`cluster tls kill: ${JSON.stringify(figures)}\n`);
    expect(figures).toMatchObject({ failed: 0, errors: {}, lostAcked: 0 });
    expect(figures.resumeAfterPromotionMs).toBeLessThanOrEqual(500);
    expect(figures.otherShardsMaxStallMs).toBeLessThanOrEqual(250);
  });
});
