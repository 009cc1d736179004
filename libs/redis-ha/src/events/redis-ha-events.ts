import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Observable, Subject, filter } from 'rxjs';
import type { HostPort } from '../config/connection.config';
import type { ConnectionRole } from '../config/connection-role';

/** The sentinels announced a failover of our master (`+try-failover`, or `+selected-slave` from a peer): writes are held. */
export interface FailoverStartedEvent {
  type: 'failover-started';
  masterName: string;
  master: HostPort;
  at: Date;
}
/**
 * The sentinels switched the master (`+switch-master`), or (cluster mode, `masterName` 'cluster') a shard's
 * slots moved to another primary: a promoted replica, a planned failover, a resharding.
 */
export interface MasterChangedEvent {
  type: 'master-changed';
  masterName: string;
  from: HostPort | null;
  to: HostPort;
  at: Date;
  /** Cluster mode: the slot ranges `[first, last]` that moved from `from` to `to`. */
  slots?: Array<[number, number]>;
}
/** A failover announced by the sentinels was aborted or did not finish within the hold bound. */
export interface FailoverAbortedEvent {
  type: 'failover-aborted';
  masterName: string;
  reason: string;
  at: Date;
}
/** A library connection lost its server (it reconnects by itself; commands wait or fail per its role). */
export interface ConnectionLostEvent {
  type: 'connection-lost';
  connection: string;
  role: ConnectionRole;
  at: Date;
}
/** A library connection is ready again. */
export interface ConnectionRestoredEvent {
  type: 'connection-restored';
  connection: string;
  role: ConnectionRole;
  address: HostPort | null;
  downtimeMs: number;
  at: Date;
}
/** A sentinel stopped / started answering the library's subscription. */
export interface SentinelReachabilityEvent {
  type: 'sentinel-down' | 'sentinel-up';
  sentinel: HostPort;
  at: Date;
}

/** Replica reads left a replica too far behind the master (`REDIS_READ_MAX_LAG_MS`), or came back to it. */
export interface ReplicaLagEvent {
  type: 'replica-stale' | 'replica-fresh';
  replica: HostPort;
  reason: string;
  at: Date;
}

/**
 * The write lease (Sentinel, `REDIS_WRITE_LEASE_MS`) was lost (writes are held) or regained. `error` when the
 * lease cannot work at all (its probe was refused) and writes are let through unfenced.
 */
export interface WriteLeaseEvent {
  type: 'write-lease';
  held: boolean;
  error?: string;
  at: Date;
}

export type RedisHaEvent =
  | FailoverStartedEvent
  | MasterChangedEvent
  | FailoverAbortedEvent
  | ConnectionLostEvent
  | ConnectionRestoredEvent
  | SentinelReachabilityEvent
  | ReplicaLagEvent
  | WriteLeaseEvent;

export type RedisHaEventType = RedisHaEvent['type'];

/**
 * Failover and connection events of the library, as an RxJS stream. Each event is also logged once through
 * Nest's logger here, so that apps do not have to.
 *
 * ```ts
 * constructor(events: RedisHaEvents) {
 *   events.on('master-changed').subscribe((e) => console.log(`new master ${e.to.host}:${e.to.port}`));
 * }
 * ```
 */
@Injectable()
export class RedisHaEvents implements OnModuleDestroy {
  private readonly logger = new Logger('RedisHa');
  private readonly subject = new Subject<RedisHaEvent>();
  readonly events$: Observable<RedisHaEvent> = this.subject.asObservable();

  on<T extends RedisHaEventType>(type: T): Observable<Extract<RedisHaEvent, { type: T }>> {
    return this.events$.pipe(filter((e): e is Extract<RedisHaEvent, { type: T }> => e.type === type));
  }

  emit(event: RedisHaEvent): void {
    this.log(event);
    this.subject.next(event);
  }

  onModuleDestroy(): void {
    this.subject.complete();
  }

  private log(e: RedisHaEvent): void {
    const addr = (a: HostPort | null) => (a ? `${a.host}:${a.port}` : 'unknown');
    switch (e.type) {
      case 'failover-started':
        return this.logger.warn(`Failover of "${e.masterName}" (${addr(e.master)}) started: holding writes`);
      case 'master-changed':
        if (e.slots) {
          const ranges = e.slots.map(([first, last]) => (first === last ? `${first}` : `${first}-${last}`));
          return this.logger.warn(
            `Cluster: slots ${ranges.join(', ')} moved from ${addr(e.from)} to ${addr(e.to)}`,
          );
        }
        return this.logger.warn(`Master of "${e.masterName}" changed: ${addr(e.from)} -> ${addr(e.to)}`);
      case 'failover-aborted':
        return this.logger.warn(`Failover of "${e.masterName}" ended without a switch: ${e.reason}`);
      case 'connection-lost':
        return this.logger.warn(`Connection "${e.connection}" (${e.role}) lost; reconnecting`);
      case 'connection-restored':
        return this.logger.log(
          `Connection "${e.connection}" (${e.role}) ready${e.address ? ` on ${addr(e.address)}` : ''} after ${e.downtimeMs} ms`,
        );
      case 'sentinel-down':
        return this.logger.warn(`Sentinel ${addr(e.sentinel)} unreachable`);
      case 'sentinel-up':
        return this.logger.log(`Sentinel ${addr(e.sentinel)} reachable`);
      case 'replica-stale':
        return this.logger.warn(`Replica ${addr(e.replica)} left by replica reads: ${e.reason}`);
      case 'replica-fresh':
        return this.logger.log(`Replica ${addr(e.replica)} read from again: ${e.reason}`);
      case 'write-lease':
        if (e.error) return this.logger.error(e.error);
        return e.held
          ? this.logger.log('Write lease held: writes go to the master')
          : this.logger.warn(
              'Write lease lost (no replica acknowledgement or no sentinel majority): holding writes',
            );
    }
  }
}
