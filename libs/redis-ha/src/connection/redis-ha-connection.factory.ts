import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import type { HostPort } from '../config/connection.config';
import type { RedisHaConfig } from '../config/redis-ha-options.interface';
import { REDIS_HA_CONFIG } from '../redis-ha.constants';
import { buildRedisOptions, buildSentinelOptions } from './connection-options';
import type { ConnectionRole } from './connection-role';
import { RedisHaEvents } from './redis-ha-events';

export type ClientHook = (client: Redis, role: ConnectionRole, name: string) => void;

interface OwnedClient {
  name: string;
  role: ConnectionRole;
  client: Redis;
}

/** How long `quit()` may take on shutdown before the socket is simply closed. */
const QUIT_TIMEOUT_MS = 2000;

/**
 * Creates every ioredis client of the library from one configuration, per role, and owns them: the clients it
 * creates are closed on application shutdown (`quit()` within a bound, then `disconnect()`).
 */
@Injectable()
export class RedisHaConnectionFactory implements OnApplicationShutdown {
  private readonly logger = new Logger('RedisHa');
  private readonly owned: OwnedClient[] = [];
  private readonly hooks: ClientHook[] = [];

  constructor(
    @Inject(REDIS_HA_CONFIG) private readonly config: RedisHaConfig,
    private readonly events: RedisHaEvents,
  ) {}

  /**
   * ioredis options for `role`. For a caller that creates its own clients (BullMQ from connection options):
   * it owns and closes them.
   */
  options(role: ConnectionRole, name: string, overrides: RedisOptions = {}): RedisOptions {
    return { ...buildRedisOptions(this.config.connection, role, name), ...overrides };
  }

  /** Options for a direct connection to one sentinel (health checks, the failover watcher). */
  sentinelOptions(sentinel: HostPort, overrides: RedisOptions = {}): RedisOptions {
    return { ...buildSentinelOptions(this.config.connection, sentinel), ...overrides };
  }

  /** A client for `role`, owned by the factory and closed on application shutdown. */
  create(role: ConnectionRole, name: string, overrides: RedisOptions = {}): Redis {
    const client = new Redis(this.options(role, name, overrides));
    this.owned.push({ name, role, client });
    for (const hook of this.hooks) hook(client, role, name);
    return client;
  }

  /** Runs `hook` on every client created so far and from now on (metrics instrument clients this way). */
  addClientHook(hook: ClientHook): void {
    this.hooks.push(hook);
    for (const { client, role, name } of this.owned) hook(client, role, name);
  }

  /** The clients the factory owns, for health checks and metrics. */
  clients(): ReadonlyArray<OwnedClient> {
    return this.owned;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.owned.splice(0).map((c) => closeClient(c.client)));
    this.hooks.length = 0;
    void this.events;
    void this.logger;
  }
}

/** `quit()` within a bound, then `disconnect()`; listeners removed so nothing keeps the process alive. */
export async function closeClient(client: Redis, timeoutMs = QUIT_TIMEOUT_MS): Promise<void> {
  if (client.status !== 'end') {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([client.quit().catch(() => undefined), bound]);
    clearTimeout(timer);
  }
  client.disconnect(false);
  client.removeAllListeners();
}
