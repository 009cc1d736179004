import Redis, { type RedisOptions } from 'ioredis';
import type { ConnectionConfig } from '../../config/connection.config';
import type { RedisHaConnectionError } from '../../errors/redis-ha-connection.error';
import type { ConnectionRole } from '../../config/connection-role';
import type { Topology, TopologyDescription } from '../topology';

/** One Redis at a fixed address (`REDIS_URL` / `REDIS_HOST`): nothing to follow, every role goes there. */
export class StandaloneTopology implements Topology {
  readonly kind = 'standalone';

  constructor(private readonly config: ConnectionConfig) {}

  createClient(_role: ConnectionRole, options: RedisOptions): Redis {
    return new Redis({ ...this.route(), ...options });
  }

  route(): RedisOptions {
    return { host: this.config.host, port: this.config.port };
  }

  async explainStartupFailure(): Promise<RedisHaConnectionError | undefined> {
    return undefined;
  }

  replicaRoute(): undefined {
    return undefined;
  }

  describe(): TopologyDescription {
    return { kind: 'standalone', master: { host: this.config.host, port: this.config.port } };
  }

  async close(): Promise<void> {}
}
