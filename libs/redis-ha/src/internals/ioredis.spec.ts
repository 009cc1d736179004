import Redis, { AbstractConnector, Cluster } from 'ioredis';
import { createServer, type Server, type Socket } from 'node:net';
import { assertIoredisInternals, probeIoredisInternals } from './ioredis-check';
import {
  currentSocket,
  destroySocket,
  forEachClusterQueued,
  forEachPendingCommand,
  guardSends,
  sendParked,
  patchSendCommand,
  remoteEndpoint,
  type PendingCommand,
} from './ioredis';

/**
 * One test per ioredis internal of internals/ioredis.ts: an ioredis upgrade that moves one fails here by name.
 * No Redis: clients are lazy, or talk to a local TCP server that accepts and never answers (so the client
 * stays in `connect` and its commands wait in the offline queue).
 */
describe('ioredis internals', () => {
  let server: Server;
  let port: number;
  const sockets = new Set<Socket>();
  const clients: Redis[] = [];

  beforeAll(async () => {
    server = createServer((socket) => sockets.add(socket.on('close', () => sockets.delete(socket))));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect();
  });

  /** A client of the silent server: its commands stay pending (the HELLO of its handshake never gets a reply). */
  const silentClient = () => {
    const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null });
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  };
  const pending = (client: Redis) => {
    const found: PendingCommand[] = [];
    forEachPendingCommand(client, (command) => found.push(command));
    return found as Array<PendingCommand & { name?: string }>;
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

  it('commandQueue', () => {
    const queue = new Redis({ lazyConnect: true }).commandQueue;
    expect(typeof queue.length).toBe('number');
    expect(typeof queue.peekAt).toBe('function');
  });

  it('offlineQueue', async () => {
    const client = silentClient();
    client.get('k').catch(() => undefined);
    await settle();
    expect(client.status).not.toBe('ready');
    expect(pending(client).map((c) => c.name)).toContain('get');
  });

  it('peekAt', async () => {
    const client = silentClient();
    client.get('a').catch(() => undefined);
    client.get('b').catch(() => undefined);
    await settle();
    const queue = (
      client as unknown as {
        offlineQueue: { peekAt(i: number): { command: { args: unknown[] } } | undefined };
      }
    ).offlineQueue;
    const first = queue.peekAt(0)?.command;
    expect(first?.args).toEqual(['a']);
    expect(pending(client)).toContain(first);
    expect(queue.peekAt(99)).toBeUndefined();
  });

  it('Command.isSettled', async () => {
    const command = new Redis.Command('get', ['k']);
    expect(command.isSettled).toBe(false);
    command.resolve('v');
    await command.promise;
    expect(command.isSettled).toBe(true);

    const client = silentClient();
    const rejected = client.get('k').catch((err: Error) => err.message);
    await settle();
    const get = pending(client).find((c) => c.name === 'get');
    get?.reject(new Error('Command timed out'));
    expect(await rejected).toBe('Command timed out');
    expect(pending(client)).not.toContain(get);
  });

  it('Command.resolve / Command.reject', async () => {
    const command = new Redis.Command('get', ['k']);
    const original = command.resolve;
    let seen: unknown;
    command.resolve = (value: unknown) => original((seen = value));
    command.resolve('v');
    expect(await command.promise).toBe('v');
    expect(seen).toBe('v');
  });

  it('sendCommand', async () => {
    const client = silentClient();
    const sent: string[] = [];
    patchSendCommand(
      client,
      (send) =>
        function (this: Redis, command, stream) {
          sent.push(command.name);
          return send.call(this, command, stream);
        },
    );
    expect(Object.prototype.hasOwnProperty.call(Redis.prototype, 'sendCommand')).toBe(true);
    client.get('k').catch(() => undefined);
    await settle();
    expect(sent).toContain('get');
    expect(pending(client).map((c) => c.name)).toContain('get');
  });

  it('stream', async () => {
    const client = silentClient();
    expect(currentSocket(client)).toBeUndefined();
    client.connect().catch(() => undefined);
    await settle();
    const socket = currentSocket(client);
    expect(socket).toBeDefined();
    expect(socket).toBe((client as unknown as { stream: unknown }).stream);
    expect(remoteEndpoint(client)).toEqual({ host: '127.0.0.1', port });
  });

  it('destroySocket (stream.destroy: a hung server never answers the FIN of disconnect)', async () => {
    const client = writingClient(null);
    const failed = client.get('k').then(
      () => 'answered',
      (err: Error) => err.message,
    );
    await settle();
    client.disconnect(); // half-closes: the silent server never closes its side, the GET stays pending
    await settle();
    expect(sentFlags(client)).toEqual([['get', true]]);
    destroySocket(client);
    expect(await failed).toBe('Connection is closed.');
  });

  it('Cluster#offlineQueue (commands a cluster client holds before it is ready)', async () => {
    const cluster = new Cluster([{ host: '127.0.0.1', port }], {
      lazyConnect: true,
      slotsRefreshTimeout: 60_000,
    });
    cluster.on('error', () => undefined);
    cluster.set('k', 'v').catch(() => undefined);
    await settle();
    const held: Array<string | undefined> = [];
    forEachClusterQueued(cluster, (command) => held.push(command.name));
    expect(held).toEqual(['set']);
    cluster.disconnect();
  });

  /** A client that talks to the silent server without a handshake: its commands are written and never answered. */
  const writingClient = (retryMs: number | null) => {
    const client = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: true,
      enableReadyCheck: false,
      protocol: 2,
      disableClientInfo: true,
      retryStrategy: () => retryMs,
    });
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  };
  const sentFlags = (client: Redis) => {
    const found: Array<[string | undefined, boolean]> = [];
    forEachPendingCommand(client, (command, sent) => found.push([command.name, sent]));
    return found;
  };

  it('prevCommandQueue', async () => {
    const client = writingClient(60_000); // reconnects only after the test: the lost command stays parked
    client.get('k').catch(() => undefined);
    await settle();
    expect(client.status).toBe('ready');
    expect(sentFlags(client)).toEqual([['get', true]]);
    for (const socket of sockets) socket.destroy();
    await settle();
    expect(client.status).toBe('reconnecting');
    const parked = (client as unknown as { prevCommandQueue?: { length: number } }).prevCommandQueue;
    expect(parked?.length).toBe(1);
    expect(sentFlags(client)).toEqual([['get', true]]);
  });

  it('Command.promise (a settled command is not written)', async () => {
    const received: string[] = [];
    const listener = (socket: Socket) => socket.on('data', (d) => received.push(d.toString()));
    server.on('connection', listener);
    try {
      const client = writingClient(null);
      guardSends(client);
      const first = client.get('first').catch((err: Error) => err.message);
      expect(sentFlags(client)).toEqual([['get', false]]); // offline: the socket is still connecting
      forEachPendingCommand(client, (command) => command.reject(new Error('rejected while queued')));
      client.get('second').catch(() => undefined);
      expect(await first).toBe('rejected while queued');
      await settle();
      expect(received.join('')).toContain('second');
      expect(received.join('')).not.toContain('first');
    } finally {
      server.off('connection', listener);
    }
  });

  it('offlineQueue parking (guardSends with a closed fence, then sendParked)', async () => {
    const received: string[] = [];
    const listener = (socket: Socket) => socket.on('data', (d) => received.push(d.toString()));
    server.on('connection', listener);
    try {
      const client = writingClient(null);
      const fence = { closed: false };
      guardSends(client, fence);
      client.get('before').catch(() => undefined);
      await settle();
      expect(client.status).toBe('ready');
      fence.closed = true;
      client.get('held').catch(() => undefined);
      await settle();
      expect(received.join('')).toContain('before');
      expect(received.join('')).not.toContain('held');
      expect(sentFlags(client)).toContainEqual(['get', false]); // parked: the deadline sees it as not sent
      fence.closed = false;
      sendParked(client);
      await settle();
      expect(received.join('')).toContain('held');
      expect(sentFlags(client).filter(([, sent]) => !sent)).toEqual([]);
    } finally {
      server.off('connection', listener);
    }
  });

  it('AbstractConnector.check', () => {
    expect(typeof AbstractConnector.prototype.check).toBe('function');
  });

  it('AbstractConnector.connecting / stream', () => {
    const ended: string[] = [];
    class Probe extends AbstractConnector {
      connect(): never {
        throw new Error('not used');
      }
      start() {
        this.connecting = true;
        this.stream = {
          end: () => ended.push('end'),
          on: (_event: string, onClose: () => void) => onClose(), // 'close' at once: no destroy timer
          destroy: () => ended.push('destroy'),
        } as never;
        return this;
      }
      get isConnecting() {
        return this.connecting;
      }
    }
    const connector = new Probe(10).start();
    connector.disconnect();
    expect(connector.isConnecting).toBe(false);
    expect(ended).toEqual(['end']);
  });

  it('the startup probe finds every internal on the installed ioredis', () => {
    expect(probeIoredisInternals()).toEqual([]);
    expect(() => assertIoredisInternals()).not.toThrow();
  });

  it('the startup check names the version and each missing internal', () => {
    expect(() =>
      assertIoredisInternals({ version: '7.0.0', probe: () => ['Redis#offlineQueue', 'Command#isSettled'] }),
    ).toThrow(
      /^ioredis 7\.0\.0 \(installed\) lacks internals .*: Redis#offlineQueue; Command#isSettled\. Supported: ioredis 6\.x/,
    );
    expect(() => assertIoredisInternals({ version: '6.0.1', probe: () => [] })).not.toThrow();
  });
});
