import { HealthIndicatorService } from '@nestjs/terminus';
import type Redis from 'ioredis';
import { loadAllSettings } from '../config/load-config';
import { RedisHaEvents } from '../events/redis-ha-events';
import type { Topology, TopologyDescription } from '../topology/topology';
import { RedisHealthIndicator } from './redis.health';

/** A stand-in writer: its socket address, its status and what ROLE answers. */
function writer(role: unknown[], status = 'ready', port = 6390) {
  return {
    status,
    stream: { remoteAddress: '127.0.0.1', remotePort: port },
    ping: jest.fn(async () => 'PONG'),
    role: jest.fn(async () => role),
  };
}

type Lease = TopologyDescription['writeLease'];

function indicator(client: ReturnType<typeof writer>, events = new RedisHaEvents(), lease?: Lease) {
  const config = loadAllSettings({ HEALTH_TIMEOUT_MS: '200' }).health;
  const topology = { describe: () => ({ kind: 'sentinel', writeLease: lease }) } as unknown as Topology;
  const health = new HealthIndicatorService();
  return new RedisHealthIndicator(health, client as unknown as Redis, config, events, topology);
}

const MASTER = ['master', 100, [['127.0.0.1', '6391', '100']]];

describe('RedisHealthIndicator', () => {
  it('is up on a master, with the round trip and the replica count', async () => {
    const result = await indicator(writer(MASTER)).isHealthy();
    expect(result.redis).toMatchObject({
      status: 'up',
      address: '127.0.0.1:6390',
      role: 'master',
      replicas: 1,
    });
    expect(result.redis.pingMs).toBeGreaterThanOrEqual(0);
  });

  it('is down at once, without sending anything, while the writer reconnects', async () => {
    const client = writer(MASTER, 'reconnecting');
    const result = await indicator(client).isHealthy('writer');
    expect(result.writer).toMatchObject({
      status: 'down',
      message: 'the writer (master) connection is reconnecting',
    });
    expect(client.ping).not.toHaveBeenCalled();
  });

  it('is down when the writer talks to a replica (a demoted master)', async () => {
    const result = await indicator(writer(['slave', '127.0.0.1', 6391, 'connected', 100])).isHealthy();
    expect(result.redis).toMatchObject({
      status: 'down',
      role: 'slave',
      message: 'the writer is connected to a slave, not the master (demoted master?)',
    });
  });

  it('is down when the writer is not on the master the sentinels switched to (old master not converted yet)', async () => {
    const events = new RedisHaEvents();
    const client = writer(MASTER);
    const check = indicator(client, events);
    events.emit({
      type: 'master-changed',
      masterName: 'mymaster',
      from: { host: '127.0.0.1', port: 6390 },
      to: { host: '127.0.0.1', port: 6391 },
      at: new Date(),
    });
    const result = await check.isHealthy();
    expect(result.redis).toMatchObject({
      status: 'down',
      message: 'the writer is on 127.0.0.1:6390 but the sentinels switched the master to 127.0.0.1:6391',
    });
    // Reconnected to the new master: up again.
    client.stream.remotePort = 6391;
    expect((await check.isHealthy()).redis.status).toBe('up');
  });

  it('is down within HEALTH_TIMEOUT_MS when the master does not answer', async () => {
    const client = writer(MASTER);
    client.ping.mockImplementation(() => new Promise<string>(() => undefined));
    const started = Date.now();
    const result = await indicator(client).isHealthy();
    expect(Date.now() - started).toBeLessThan(250);
    expect(result.redis).toMatchObject({
      status: 'down',
      message: 'the writer (master) did not answer within 180 ms (HEALTH_TIMEOUT_MS)',
    });
  });

  it('is down without a probe on the minority side (no sentinel majority, write lease lost)', async () => {
    const client = writer(MASTER);
    const lease = { held: false, lostSince: Date.now() - 300, minority: true };
    const result = await indicator(client, new RedisHaEvents(), lease).isHealthy();
    expect(result.redis).toMatchObject({ status: 'down' });
    expect(String(result.redis.message)).toMatch(/writes are held for \d+ ms: no majority of the sentinels/);
    expect(client.ping).not.toHaveBeenCalled();
  });

  it('stays up while the lease is lost with the sentinels in reach (a failover in progress)', async () => {
    const lease = { held: false, lostSince: Date.now() - 300, minority: false };
    const result = await indicator(writer(MASTER), new RedisHaEvents(), lease).isHealthy();
    expect(result.redis).toMatchObject({ status: 'up' });
  });
});
