import { QueueAddNotDurableError } from '../errors/queue-add-not-durable.error';
import type { Cluster } from 'ioredis';
import { currentSocket, type SocketHolder } from '../internals/ioredis';
import { nodeOfKey } from './queue-keys';

/** The part of an ioredis client the barrier uses (BullMQ's client proxy forwards these). */
export interface BarrierClient extends SocketHolder {
  status: string;
  call(command: string, ...args: Array<string | number>): Promise<unknown>;
}

/**
 * Cluster mode: the barrier's client is the node connection that carries `key`'s writes (the primary of its
 * slot, as `cluster` last learned it), looked up at each use. After a shard failover it is another node's
 * connection, so a ticket taken before it no longer matches and the write is checked again (`recover`).
 */
export function keyNodeClient(cluster: Cluster, key: string): BarrierClient {
  return {
    get status() {
      return nodeOfKey(cluster, key)?.status ?? 'wait';
    },
    get stream() {
      const node = nodeOfKey(cluster, key);
      return node ? currentSocket(node as SocketHolder) : undefined;
    },
    call: (command, ...args) => {
      const node = nodeOfKey(cluster, key);
      if (!node) return Promise.reject(new Error(`no primary known for the slot of ${key} yet`));
      return node.call(command, ...args);
    },
  };
}

/** Which socket answered a write: a `WAIT` confirms only writes answered on its own socket before it was sent. */
export type WriteTicket = object | undefined;

interface Joiner {
  ticket: WriteTicket;
  jobId: string | undefined;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Confirms writes with one `WAIT numreplicas timeout` per burst: a `WAIT` covers every write its connection sent
 * before it, so the adds that were acknowledged since the last `WAIT` went out share the next one (a burst of
 * 50 adds costs one round trip to the replicas, not 50).
 *
 * ioredis resends unanswered commands after a reconnect, so a write and its `WAIT` can run on two different
 * connections, and then the `WAIT` confirms nothing about the write (one acknowledged write was lost this way:
 * docs/failover-findings.md#raw-ioredis-through-a-failover). A write is confirmed only when it was answered on
 * the socket the `WAIT` was sent on (after that answer) and answered from.
 *
 * One `WAIT` at a time: a `WAIT` holds every later command of its connection until it returns (up to its
 * timeout when the replicas lag), so `WAIT`s sent back to back would make the adds behind them wait for the sum.
 * Writes acknowledged while one is out join the next.
 */
export class ReplicaBarrier {
  private batch: Joiner[] | undefined;
  /** The `WAIT` in flight (or the last one): the next flush starts after it. */
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: BarrierClient,
    private readonly queueName: string,
    private readonly replicas: number,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Take this as soon as the write's reply came (in the same chain of microtasks: no I/O, so no reconnect, can
   * come in between): the socket that answered it. A write ioredis resent after a reconnect (held in the offline
   * queue during a failover, or unanswered on the lost connection) is answered on the new socket, and a `WAIT`
   * sent there after it covers it.
   */
  ticket(): WriteTicket {
    return this.client.status === 'ready' ? (currentSocket(this.client) as WriteTicket) : undefined;
  }

  /**
   * Confirms what the master already holds (found on this connection after a reconnect): one small replicated
   * write to `probeKey` (a `WAIT` only covers the connection's own replicated writes), then a `WAIT` after it.
   */
  async confirmOnThisConnection(probeKey: string, jobId: string): Promise<void> {
    await this.client.call('SET', probeKey, '1', 'PX', 60_000);
    await this.confirm(this.ticket(), jobId);
  }

  /** Resolves once `replicas` replicas have the write sent under `ticket`, else rejects with `QueueAddNotDurableError`. */
  confirm(ticket: WriteTicket, jobId: string | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.batch) {
        this.batch = [];
        // After the WAIT in flight, and one turn of the event loop later: a burst of adds shares one WAIT.
        this.flushing = this.flushing
          .then(() => new Promise<void>((next) => setImmediate(next)))
          .then(() => this.flush());
      }
      this.batch.push({ ticket, jobId, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const joiners = this.batch ?? [];
    this.batch = undefined;
    const sentOn = this.ticket();
    let acked: number;
    try {
      if (!sentOn) throw new Error('the connection to the master was lost before any replica confirmed it');
      acked = Number(await this.client.call('WAIT', this.replicas, this.timeoutMs));
    } catch (err) {
      return this.rejectAll(joiners, (err as Error).message);
    }
    const answeredOn = this.ticket();
    for (const joiner of joiners) {
      if (!joiner.ticket || joiner.ticket !== sentOn || answeredOn !== sentOn) {
        joiner.reject(
          this.error(joiner, 'the connection changed before a replica confirmed it', 'connection'),
        );
      } else if (acked < this.replicas) {
        joiner.reject(
          this.error(
            joiner,
            `only ${acked} of ${this.replicas} replica(s) confirmed it within ${this.timeoutMs} ms`,
          ),
        );
      } else {
        joiner.resolve();
      }
    }
  }

  private rejectAll(joiners: Joiner[], reason: string): void {
    for (const joiner of joiners)
      joiner.reject(this.error(joiner, `no replica confirmed it (${reason})`, 'connection'));
  }

  private error(joiner: Joiner, reason: string, kind?: 'connection'): QueueAddNotDurableError {
    return new QueueAddNotDurableError(this.queueName, joiner.jobId, reason, kind);
  }
}
