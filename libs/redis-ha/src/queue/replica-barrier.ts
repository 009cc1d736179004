import { QueueAddNotDurableError } from '../errors/queue-add-not-durable.error';
import { currentSocket, type SocketHolder } from '../internals/ioredis';

/** The part of an ioredis client the barrier uses (BullMQ's client proxy forwards these). */
export interface BarrierClient extends SocketHolder {
  status: string;
  call(command: string, ...args: Array<string | number>): Promise<unknown>;
}

/** Which socket carried a write: a `WAIT` confirms only writes sent on its own socket. */
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
 * docs/failover-findings.md#raw-ioredis-through-a-failover). A write is confirmed only when it went out on the
 * socket the `WAIT` was sent on and answered from.
 */
export class ReplicaBarrier {
  private batch: Joiner[] | undefined;

  constructor(
    private readonly client: BarrierClient,
    private readonly queueName: string,
    private readonly replicas: number,
    private readonly timeoutMs: number,
  ) {}

  /** Take this just before sending the write. */
  ticket(): WriteTicket {
    return this.client.status === 'ready' ? (currentSocket(this.client) as WriteTicket) : undefined;
  }

  /** Resolves once `replicas` replicas have the write sent under `ticket`, else rejects with `QueueAddNotDurableError`. */
  confirm(ticket: WriteTicket, jobId: string | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.batch) {
        this.batch = [];
        setImmediate(() => void this.flush());
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
        joiner.reject(this.error(joiner, 'the connection changed before a replica confirmed it'));
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
    for (const joiner of joiners) joiner.reject(this.error(joiner, `no replica confirmed it (${reason})`));
  }

  private error(joiner: Joiner, reason: string): QueueAddNotDurableError {
    return new QueueAddNotDurableError(this.queueName, joiner.jobId, reason);
  }
}
