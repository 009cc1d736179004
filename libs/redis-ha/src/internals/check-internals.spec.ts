import { checkInternals, installedVersion, runOnce } from './check-internals';

describe('checkInternals', () => {
  const report = { pkg: 'ioredis', version: '7.0.0', supported: '6.x (tested with 6.0.0)' };

  it('passes when nothing is missing', () => {
    expect(() => checkInternals({ ...report, missing: [] })).not.toThrow();
  });

  it('throws one Error naming each package, its version, each missing internal and the supported versions', () => {
    let error: Error | undefined;
    try {
      checkInternals(
        { ...report, missing: ['Redis#offlineQueue', 'Command#isSettled'] },
        { pkg: 'bullmq', version: '6.7.0', supported: '6.x', missing: [] },
        { pkg: '@nestjs/bullmq', version: 'unknown', supported: '11.x', missing: ['WorkerHost#_worker'] },
      );
    } catch (err) {
      error = err as Error;
    }
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).toContain(
      'ioredis 7.0.0 (installed) lacks internals nestjs-redis-ha relies on: Redis#offlineQueue; Command#isSettled. ' +
        'Supported: ioredis 6.x (tested with 6.0.0).',
    );
    expect(error?.message).toContain('@nestjs/bullmq unknown (installed) lacks');
    expect(error?.message).not.toContain('bullmq 6.7.0');
  });
});

describe('installedVersion', () => {
  it('reads package.json, also of a package whose exports hide it', () => {
    expect(installedVersion('ioredis')).toMatch(/^\d+\.\d+\.\d+/);
    expect(installedVersion('keyv')).toMatch(/^\d+\.\d+\.\d+/); // exports map without ./package.json
  });

  it("is 'unknown' for a package that is not installed", () => {
    expect(installedVersion('redis-ha-no-such-package')).toBe('unknown');
  });
});

describe('runOnce', () => {
  it('runs the real check once per process, a faked one every time', () => {
    const state = { done: false };
    const run = jest.fn();
    runOnce(state, {}, run);
    runOnce(state, {}, run);
    expect(run).toHaveBeenCalledTimes(1);
    runOnce(state, { version: '1.0.0' }, run);
    runOnce(state, { probe: () => [] }, run);
    expect(run).toHaveBeenCalledTimes(3);
  });
});
