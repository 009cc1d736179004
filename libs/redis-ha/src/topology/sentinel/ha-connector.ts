import { createConnection } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { AbstractConnector } from 'ioredis';
import type { HostPort } from '../../config/connection.config';
import { FailoverGate, GatedConnector } from './failover-gate';
import { SentinelLookupError } from '../../errors/sentinel-lookup.error';
import type { SentinelResolver } from './sentinel-resolver';

type NetStream = ReturnType<typeof createConnection>;
type ErrorEmitter = (type: string, err: Error) => void;

export interface HaConnectorOptions {
  role?: 'master' | 'slave';
  tls?: ConnectionOptions;
  connectTimeout?: number;
  disconnectTimeout?: number;
}

export interface HaConnectorDeps {
  gate: FailoverGate;
  resolver: SentinelResolver;
  /** For readers: use the master when no healthy replica exists (`REDIS_READ_FROM=replica-preferred`). */
  replicaFallsBackToMaster: boolean;
}

/**
 * An ioredis `Connector` that finds its node through the module's shared `SentinelResolver` and waits at the
 * `FailoverGate` while a failover of the master is under way, so commands queue in ioredis' offline queue
 * instead of reaching a master that is being demoted. Passed as the `Connector` option, it also rides inside
 * the connection options BullMQ turns into its own clients.
 */
export class HaConnector extends AbstractConnector implements GatedConnector {
  readonly role: 'master' | 'slave';
  private target: HostPort | undefined;
  private expectedRole: 'master' | 'slave';
  private closed = false;

  constructor(
    private readonly options: HaConnectorOptions,
    private readonly deps: HaConnectorDeps,
  ) {
    super(options.disconnectTimeout ?? 2000);
    this.role = options.role ?? 'master';
    this.expectedRole = this.role;
  }

  /** ioredis calls this after `INFO`: a node that is not (or no longer) what we asked for is refused. */
  override check(info: { role?: string }): boolean {
    return info.role === this.expectedRole;
  }

  async connect(emit: ErrorEmitter): Promise<NetStream> {
    this.connecting = true;
    this.closed = false;
    this.deps.gate.register(this);
    // A connector must not reject: ioredis ends a client whose connector rejects. So it retries the sentinels
    // itself (commands wait in the offline queue, bounded by their timeout) until it has a node or is closed.
    for (let attempt = 1; ; attempt++) {
      if (this.role === 'master') await this.deps.gate.wait();
      if (this.closed) throw new Error('Connection is closed.');
      try {
        this.target = await this.resolve();
        break;
      } catch (err) {
        emit('error', new SentinelLookupError(this.role, (err as Error).message));
        await new Promise((resolve) => setTimeout(resolve, Math.min(attempt * 50, 250)));
      }
    }
    const options = { host: this.target.host, port: this.target.port };
    this.stream = this.options.tls
      ? tlsConnect({ ...this.options.tls, ...options })
      : createConnection(options);
    this.stream.once('error', (err: Error) => (this.firstError = err));
    return this.stream;
  }

  override disconnect(): void {
    this.closed = true;
    this.deps.gate.unregister(this);
    // ioredis may call this once per failed command of a batch: end the socket once.
    if (this.stream && (this.stream.destroyed || this.stream.writableEnded)) this.connecting = false;
    else super.disconnect();
  }

  address(): HostPort | undefined {
    return this.stream && !this.stream.destroyed ? this.target : undefined;
  }

  /** Drops the socket at once (`end()` would wait for a hung master): ioredis reconnects and resends. */
  cut(): void {
    this.stream?.destroy();
  }

  isClosed(): boolean {
    return this.closed;
  }

  private async resolve(): Promise<HostPort> {
    if (this.role === 'master') {
      this.expectedRole = 'master';
      return this.deps.gate.knownMaster() ?? (await this.deps.resolver.master());
    }
    const replica = await this.deps.resolver.replica();
    if (replica) {
      this.expectedRole = 'slave';
      return replica;
    }
    if (!this.deps.replicaFallsBackToMaster) throw new Error('No healthy replica is known to the sentinels');
    this.expectedRole = 'master';
    return this.deps.gate.knownMaster() ?? (await this.deps.resolver.master());
  }
}

/** The `Connector` option value: ioredis constructs it with the client's options only. */
export function createHaConnector(deps: HaConnectorDeps): new (options: unknown) => AbstractConnector {
  return class extends HaConnector {
    constructor(options: unknown) {
      super(options as HaConnectorOptions, deps);
    }
  };
}
