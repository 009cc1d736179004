import Redis from 'ioredis';
import { createServer, type Server, type Socket } from 'node:net';
import { enforceCommandDeadline } from './command-deadline';
import { CommandOutcomeUnknownError, CommandTimeoutError } from '../errors/command-timeout.error';

/**
 * The deadline against a local TCP server that records what it receives and never answers (no Redis needed:
 * the client skips the handshake), so "was the command written?" is read off the wire.
 */
describe('enforceCommandDeadline', () => {
  let server: Server;
  let port: number;
  let received = '';
  const sockets = new Set<Socket>();
  const clients: Redis[] = [];

  const listen = (onPort = 0) =>
    new Promise<void>((resolve) => {
      server = createServer((socket) => {
        sockets.add(socket.on('close', () => sockets.delete(socket)));
        socket.on('data', (d) => (received += d.toString()));
      });
      server.listen(onPort, '127.0.0.1', () => {
        port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  const stop = () => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  };
  const client = () => {
    const c = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: true,
      enableReadyCheck: false,
      protocol: 2,
      disableClientInfo: true,
      retryStrategy: () => 20,
      maxRetriesPerRequest: null,
    });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };
  const outcome = (p: Promise<unknown>) =>
    p.then(
      () => 'resolved',
      (err: Error) => err,
    );
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  beforeEach(() => (received = ''));
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    if (server.listening) await stop();
  });

  it('rejects a command never written with CommandTimeoutError, within one sweep, and never writes it', async () => {
    await listen();
    await stop(); // nothing listens on `port` now: the command waits in the offline queue
    const c = client();
    const expired = enforceCommandDeadline(c, 200);
    const started = Date.now();
    const err = await outcome(c.incr('counter'));
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(CommandTimeoutError);
    expect(err).not.toBeInstanceOf(CommandOutcomeUnknownError);
    expect((err as CommandTimeoutError).outcome).toBe('not-sent');
    expect((err as Error).message).toMatch(
      /^Command timed out: incr was not sent within 200 ms .*did not run/,
    );
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(elapsed).toBeLessThan(200 + 20 + 100);
    expect(expired).toEqual({ notSent: 1, unknown: 0 });

    await listen(port); // the server comes back: the client reconnects and flushes its offline queue
    c.get('after').catch(() => undefined);
    await sleep(300);
    expect(c.status).toBe('ready');
    expect(received).toContain('after');
    expect(received).not.toContain('incr');
  });

  it('rejects a command written and unanswered with CommandOutcomeUnknownError, and does not resend it', async () => {
    await listen();
    const c = client();
    const expired = enforceCommandDeadline(c, 200);
    const err = await outcome(c.incr('counter'));
    expect(err).toBeInstanceOf(CommandOutcomeUnknownError);
    expect((err as CommandTimeoutError).outcome).toBe('unknown');
    expect((err as Error).message).toMatch(
      /^Command timed out, outcome unknown: incr was sent .*it may have run/,
    );
    expect(expired).toEqual({ notSent: 0, unknown: 1 });
    expect(received.match(/incr/g)).toHaveLength(1);

    received = '';
    for (const socket of sockets) socket.destroy(); // ioredis parks the unanswered INCR to resend it on reconnect
    await sleep(300);
    c.get('after').catch(() => undefined);
    await sleep(100);
    expect(received).toContain('after');
    expect(received).not.toContain('incr');
  });

  it('times out a command parked on a lost connection while the client cannot reconnect', async () => {
    await listen();
    const c = client();
    const expired = enforceCommandDeadline(c, 200);
    const pending = outcome(c.incr('counter'));
    await sleep(50);
    await stop(); // the connection is lost after the INCR was written; reconnects are refused
    expect(await pending).toBeInstanceOf(CommandOutcomeUnknownError);
    expect(expired.unknown).toBe(1);
  });
});
