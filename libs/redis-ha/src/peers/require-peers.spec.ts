import { MissingPeerError } from '../errors/missing-peer.error';
import { requirePeers } from './require-peers';

describe('requirePeers', () => {
  const installed = (ids: string[]) => (id: string) => {
    if (!ids.some((peer) => id === peer || id === `${peer}/package.json`))
      throw new Error(`Cannot find ${id}`);
    return id;
  };

  it('passes when every peer resolves', () => {
    expect(() => requirePeers('nestjs-redis-ha/cache', ['a', 'b'], installed(['a', 'b']))).not.toThrow();
  });

  it('names the missing peers and the whole install line', () => {
    let error: unknown;
    try {
      requirePeers(
        'nestjs-redis-ha/cache',
        ['@nestjs/cache-manager', 'cache-manager', 'keyv'],
        installed(['keyv']),
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(MissingPeerError);
    expect((error as Error).message).toBe(
      'nestjs-redis-ha/cache needs @nestjs/cache-manager, cache-manager, which are not installed: ' +
        'npm install @nestjs/cache-manager cache-manager keyv',
    );
  });

  it('accepts a package that exports no package.json but resolves by name', () => {
    const byNameOnly = (id: string) => {
      if (id === 'x') return id;
      throw new Error('no');
    };
    expect(() => requirePeers('f', ['x'], byNameOnly)).not.toThrow();
  });

  it('finds the real peers of this repository', () => {
    expect(() => requirePeers('nestjs-redis-ha/queue', ['@nestjs/bullmq', 'bullmq'])).not.toThrow();
    expect(() => requirePeers('f', ['surely-not-installed-package-xyz'])).toThrow(/npm install surely-not/);
  });
});
