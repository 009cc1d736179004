import { createServer, type Server, type Socket } from 'node:net';
import { MasterNotFoundError } from '../../errors/master-not-found.error';
import { SentinelResolver } from './sentinel-resolver';

/** RESP2 array of bulk strings. */
const bulkArray = (items: string[]) =>
  `*${items.length}\r\n${items.map((i) => `$${Buffer.byteLength(i)}\r\n${i}\r\n`).join('')}`;

/**
 * A stand-in sentinel that answers `SENTINEL MASTER` with the master it is told: enough to check which answers
 * the resolver acts on, without starting sentinels (the e2e suites do that).
 */
async function fakeSentinel(master: { port: number; epoch: number }) {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket.on('close', () => sockets.delete(socket)));
    socket.on('data', (data) => {
      if (/MASTER/i.test(data.toString()))
        socket.write(
          bulkArray([
            'name',
            'mymaster',
            'ip',
            '127.0.0.1',
            'port',
            String(master.port),
            'flags',
            'master',
            'config-epoch',
            String(master.epoch),
          ]),
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const s = await fakeSentinel({ port: 1, epoch: 0 });
  await s.close();
  return s.port;
}

describe('SentinelResolver.master()', () => {
  const open: Array<{ close(): Promise<unknown> }> = [];
  let resolver: SentinelResolver | undefined;
  afterEach(async () => {
    resolver?.close();
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  const resolverFor = (ports: number[]) =>
    (resolver = new SentinelResolver(
      ports.map((port) => ({ host: '127.0.0.1', port })),
      'mymaster',
      (s) => ({ host: s.host, port: s.port, protocol: 2, disableClientInfo: true, enableReadyCheck: false }),
      {},
      300,
    ));

  it('takes the master a majority names, the highest config epoch winning', async () => {
    const a = await fakeSentinel({ port: 6390, epoch: 1 });
    const b = await fakeSentinel({ port: 6391, epoch: 2 }); // saw the newer failover
    open.push(a, b);
    await expect(resolverFor([a.port, b.port, await deadPort()]).master()).resolves.toEqual({
      host: '127.0.0.1',
      port: 6391,
    });
  });

  it('never acts on a minority: one sentinel of three naming a master is refused, and the error says why', async () => {
    const lone = await fakeSentinel({ port: 6390, epoch: 1 });
    open.push(lone);
    const err = await resolverFor([lone.port, await deadPort(), await deadPort()])
      .master()
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(MasterNotFoundError);
    expect((err as Error).message).toMatch(
      /^only 1 of 3 sentinels named a master, 2 needed .*127\.0\.0\.1:\d+: names 127\.0\.0\.1:6390/,
    );
  });
});
