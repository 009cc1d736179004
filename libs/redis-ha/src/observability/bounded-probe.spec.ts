import { HealthCheckTimeoutError } from '../errors/health-check-timeout.error';
import { HealthProbeStuckError } from '../errors/health-probe-stuck.error';
import { boundedProbe, withTimeout } from './bounded-probe';
import { probeBudget } from './probe-budget';

const never = () => new Promise<never>(() => undefined);

describe('withTimeout', () => {
  it('settles with the promise when it is in time', async () => {
    await expect(withTimeout(Promise.resolve(42), 50, 'x')).resolves.toBe(42);
  });

  it('rejects with a message naming HEALTH_TIMEOUT_MS when it is not', async () => {
    const err = await withTimeout(never(), 20, 'the writer').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HealthCheckTimeoutError);
    expect((err as Error).message).toBe('the writer did not answer within 20 ms (HEALTH_TIMEOUT_MS)');
  });
});

describe('boundedProbe', () => {
  it('sends nothing and fails at once while the client is not ready', async () => {
    const probe = jest.fn(() => Promise.resolve('PONG'));
    await expect(boundedProbe({ status: 'reconnecting' }, 'the writer', 100, probe)).rejects.toThrow(
      'the writer connection is reconnecting',
    );
    expect(probe).not.toHaveBeenCalled();
  });

  it('answers at once, without sending, while an earlier probe on the same socket is unanswered past the timeout', async () => {
    const client = { status: 'ready', stream: {} };
    const first = boundedProbe(client, 'the writer', 30, never).catch((e: unknown) => e);
    expect(await first).toBeInstanceOf(HealthCheckTimeoutError);
    // A 30 ms timer can fire when Date.now() says 29 ms have passed (timers run on the loop's cached monotonic
    // clock): step past the timeout on the clock the probe compares with, as a later health check would be.
    await new Promise((r) => setTimeout(r, 5));
    const probe = jest.fn(() => Promise.resolve('PONG'));
    const started = Date.now();
    const err = await boundedProbe(client, 'the writer', 30, probe).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HealthProbeStuckError);
    expect(Date.now() - started).toBeLessThan(10);
    expect(probe).not.toHaveBeenCalled();
  });

  it('forgets the hung probe once the client has a new socket (reconnected after a failover)', async () => {
    const client = { status: 'ready', stream: {} as object };
    await boundedProbe(client, 'w', 20, never).catch(() => undefined);
    client.stream = {};
    await expect(boundedProbe(client, 'w', 20, () => Promise.resolve('PONG'))).resolves.toBe('PONG');
  });

  it('lets concurrent probes run while none is older than the timeout', async () => {
    const client = { status: 'ready', stream: {} };
    let release!: () => void;
    const slow = boundedProbe(
      client,
      'w',
      200,
      () => new Promise<string>((r) => (release = () => r('slow'))),
    );
    await expect(boundedProbe(client, 'w', 200, () => Promise.resolve('fast'))).resolves.toBe('fast');
    release();
    await expect(slow).resolves.toBe('slow');
  });
});

describe('probeBudget', () => {
  it.each([
    [1000, 900],
    [200, 180],
    [5000, 4900],
    [50, 45],
  ])('HEALTH_TIMEOUT_MS %i leaves the probe %i ms', (timeout, budget) => {
    expect(probeBudget(timeout)).toBe(budget);
  });
});
