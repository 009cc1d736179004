import Redis from 'ioredis';
import { enforceCommandDeadline } from './command-deadline';

describe('enforceCommandDeadline', () => {
  it('rejects a command queued longer than the timeout, within one sweep', async () => {
    // Nothing listens on port 1: the command waits in the offline queue while ioredis retries.
    const client = new Redis({
      port: 1,
      lazyConnect: true,
      retryStrategy: () => 50,
      maxRetriesPerRequest: null,
    });
    client.on('error', () => undefined);
    enforceCommandDeadline(client, 200);
    const started = Date.now();
    const outcome = await client.get('x').then(
      () => 'resolved',
      (err: Error) => err.message,
    );
    const elapsed = Date.now() - started;
    client.disconnect();
    expect(outcome).toBe('Command timed out');
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(elapsed).toBeLessThan(200 + 20 + 100);
  });
});
