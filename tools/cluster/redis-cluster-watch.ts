import Redis from 'ioredis';
import { clientOptions, type Credentials } from './cluster-client';

/**
 * The promotion time measured from the nodes themselves: `ROLE` on each candidate replica every ~10 ms over one
 * persistent admin connection per replica (a fresh connection per probe would add its handshake and AUTH to
 * every sample), until one answers `master`. Clients' own timings are then compared to this.
 */
export async function watchPromotion(
  candidates: number[],
  creds: Credentials,
  timeoutMs: number,
  intervalMs = 10,
): Promise<{ promotedPort: number; promotedAt: number }> {
  if (candidates.length === 0) throw new Error('no replica to watch');
  const clients = candidates.map((port) => {
    const client = new Redis({
      ...clientOptions(port, creds),
      lazyConnect: false,
      commandTimeout: 500, // a paused replica must not stall the other candidates' samples
      maxRetriesPerRequest: 0,
      retryStrategy: () => 50,
      enableReadyCheck: false,
    });
    client.on('error', () => undefined); // a failed sample is retried; the timeout below reports
    return { port, client };
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const answers = await Promise.all(
        clients.map(({ client }) =>
          client.call('ROLE').then(
            (reply) => ({ role: (reply as string[])[0], at: Date.now() }),
            () => undefined,
          ),
        ),
      );
      const promoted = answers.findIndex((a) => a?.role === 'master');
      if (promoted >= 0) return { promotedPort: clients[promoted].port, promotedAt: answers[promoted]!.at };
      if (Date.now() >= deadline)
        throw new Error(`no replica of ${candidates.join(', ')} was promoted within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  } finally {
    clients.forEach(({ client }) => client.disconnect());
  }
}
