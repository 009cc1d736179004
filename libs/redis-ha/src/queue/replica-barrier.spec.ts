import { QueueAddNotDurableError } from '../errors/queue-add-not-durable.error';
import { ReplicaBarrier, type BarrierClient } from './replica-barrier';

/** A client whose socket can be swapped (a reconnect) and whose WAIT answers what the test says. */
class FakeClient implements BarrierClient {
  status = 'ready';
  stream: object = {};
  waits: Array<Array<string | number>> = [];
  answer: () => Promise<unknown> = async () => 1;

  call(command: string, ...args: Array<string | number>): Promise<unknown> {
    this.waits.push([command, ...args]);
    return this.answer();
  }

  reconnect(): void {
    this.stream = {};
  }
}

describe('ReplicaBarrier', () => {
  it('confirms a burst of writes with one WAIT', async () => {
    const client = new FakeClient();
    const barrier = new ReplicaBarrier(client, 'q', 1, 500);
    const tickets = [barrier.ticket(), barrier.ticket(), barrier.ticket()];
    await Promise.all(tickets.map((t, i) => barrier.confirm(t, String(i))));
    expect(client.waits).toEqual([['WAIT', 1, 500]]);
  });

  it('sends one WAIT at a time: writes acknowledged while one is out share the next', async () => {
    const client = new FakeClient();
    let release: (n: number) => void = () => undefined;
    client.answer = () => new Promise((resolve) => (release = resolve));
    const barrier = new ReplicaBarrier(client, 'q', 1, 500);
    const first = barrier.confirm(barrier.ticket(), 'a');
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.waits).toHaveLength(1);
    const later = [barrier.confirm(barrier.ticket(), 'b'), barrier.confirm(barrier.ticket(), 'c')];
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(client.waits).toHaveLength(1); // b and c wait for the WAIT in flight instead of queueing behind it
    release(1);
    await first;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(client.waits).toHaveLength(2);
    release(1);
    await Promise.all(later);
  });

  it('fails when fewer replicas confirmed than asked', async () => {
    const client = new FakeClient();
    client.answer = async () => 1;
    const barrier = new ReplicaBarrier(client, 'q', 2, 300);
    const confirm = barrier.confirm(barrier.ticket(), '7');
    await expect(confirm).rejects.toThrow(QueueAddNotDurableError);
    await expect(confirm).rejects.toThrow(
      /Job 7 was added to queue "q" but only 1 of 2 replica\(s\) confirmed it within 300 ms/,
    );
  });

  it('does not count a WAIT sent on another socket than the write (a reconnect in between)', async () => {
    const client = new FakeClient();
    const barrier = new ReplicaBarrier(client, 'q', 1, 300);
    const ticket = barrier.ticket();
    client.reconnect();
    await expect(barrier.confirm(ticket, '1')).rejects.toThrow(
      /the connection changed before a replica confirmed it/,
    );
  });

  it('does not count a WAIT answered on another socket than it was sent on (resent after a reconnect)', async () => {
    const client = new FakeClient();
    client.answer = async () => {
      client.reconnect();
      return 2;
    };
    const barrier = new ReplicaBarrier(client, 'q', 1, 300);
    await expect(barrier.confirm(barrier.ticket(), '1')).rejects.toThrow(/the connection changed/);
  });

  it('fails writes made while disconnected, and when the WAIT itself fails', async () => {
    const client = new FakeClient();
    client.status = 'reconnecting';
    const barrier = new ReplicaBarrier(client, 'q', 1, 300);
    await expect(barrier.confirm(barrier.ticket(), '1')).rejects.toThrow(
      /no replica confirmed it \(the connection to the master was lost/,
    );
    client.status = 'ready';
    client.answer = () => Promise.reject(new Error('Connection is closed.'));
    await expect(barrier.confirm(barrier.ticket(), '2')).rejects.toThrow(
      /no replica confirmed it \(Connection is closed\.\)/,
    );
  });
});
