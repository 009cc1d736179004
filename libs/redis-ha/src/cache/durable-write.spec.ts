import type Redis from 'ioredis';
import { durableSet } from './durable-write';
import type { TrackedClient } from './tracked-client';

/** A client whose WAIT replies can be made to arrive after a reconnect (the epoch moves on first). */
function fakeConnection(waitReplies: Array<{ replicas: number; reconnectFirst?: boolean }>) {
  const conn = { epoch: 1 } as { epoch: number; client: Redis };
  const calls: Array<{ cmd: string; args: unknown[] }> = [];
  conn.client = {
    set: jest.fn(async (...args: unknown[]) => {
      calls.push({ cmd: 'set', args });
      return 'OK';
    }),
    wait: jest.fn(async (...args: unknown[]) => {
      calls.push({ cmd: 'wait', args });
      const reply = waitReplies.shift() ?? { replicas: 1 };
      await new Promise((r) => setTimeout(r, 1));
      if (reply.reconnectFirst) conn.epoch++;
      return reply.replicas;
    }),
  } as unknown as Redis;
  return { conn: conn as unknown as TrackedClient, calls };
}

describe('durableSet', () => {
  it('confirms when SET and WAIT were answered on one connection with enough replicas', async () => {
    const { conn, calls } = fakeConnection([{ replicas: 2 }]);
    const result = await durableSet(conn, 'k', 'v', 1000, 1, 200, Date.now() + 1000);
    expect(result).toEqual({ confirmed: true, replicas: 2, required: 1, attempts: 1 });
    expect(calls).toEqual([
      { cmd: 'set', args: ['k', 'v', 'PX', 1000] },
      { cmd: 'wait', args: [1, 200] },
    ]);
  });

  it('sends the pair again when the WAIT came back over a new connection (it confirmed nothing)', async () => {
    const { conn, calls } = fakeConnection([{ replicas: 2, reconnectFirst: true }, { replicas: 1 }]);
    const result = await durableSet(conn, 'k', 'v', 1000, 1, 200, Date.now() + 1000);
    expect(result).toEqual({ confirmed: true, replicas: 1, required: 1, attempts: 2 });
    expect(calls.map((c) => c.cmd)).toEqual(['set', 'wait', 'set', 'wait']);
  });

  it('says connection-changed when every attempt until the deadline was split', async () => {
    const replies = Array.from({ length: 1000 }, () => ({ replicas: 2, reconnectFirst: true }));
    const { conn } = fakeConnection(replies);
    const result = await durableSet(conn, 'k', 'v', 1000, 1, 200, Date.now() + 30);
    expect(result).toMatchObject({ confirmed: false, replicas: 0, reason: 'connection-changed' });
    expect(result.attempts).toBeGreaterThan(1);
  });

  it('says replicas-timeout when fewer replicas confirmed', async () => {
    const { conn } = fakeConnection([{ replicas: 1 }]);
    expect(await durableSet(conn, 'k', 'v', 1000, 2, 200, Date.now() + 1000)).toEqual({
      confirmed: false,
      replicas: 1,
      required: 2,
      attempts: 1,
      reason: 'replicas-timeout',
    });
  });

  it('never sends WAIT with 0 (that blocks forever), nor longer than what is left', async () => {
    const { conn, calls } = fakeConnection([{ replicas: 1 }]);
    await durableSet(conn, 'k', 'v', 1000, 1, 500, Date.now() - 10);
    expect(calls[1]).toEqual({ cmd: 'wait', args: [1, 1] });
  });

  it('rejects when the SET fails: the caller falls back', async () => {
    const { conn } = fakeConnection([]);
    (conn.client.set as jest.Mock).mockRejectedValueOnce(new Error('Command timed out'));
    await expect(durableSet(conn, 'k', 'v', 1000, 1, 200, Date.now() + 1000)).rejects.toThrow(
      'Command timed out',
    );
  });
});
