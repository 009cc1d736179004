import type { RedisHaConnectionFactory } from './redis-ha-connection.factory';
import type { Topology } from '../topology/topology';

/**
 * Closes what the library opened when startup fails: Nest runs no shutdown hook then, and the connections
 * (which reconnect forever) would keep a test runner or a supervisor's process alive.
 */
export async function abandonStartup(factory: RedisHaConnectionFactory, topology: Topology): Promise<void> {
  await factory.onApplicationShutdown();
  await topology.close();
}
