import { MissingPeerError } from '../errors/missing-peer.error';

/**
 * Checks, when a feature's entry point is loaded, that its optional peer dependencies are installed, so that a
 * missing one fails the app's startup with the package to install instead of a bare "Cannot find module".
 * `resolve` is replaceable for tests.
 */
export function requirePeers(
  feature: string,
  peers: readonly string[],
  resolve: (id: string) => unknown = require.resolve,
): void {
  const missing = peers.filter((peer) => {
    try {
      resolve(`${peer}/package.json`);
      return false;
    } catch {
      try {
        resolve(peer);
        return false;
      } catch {
        return true;
      }
    }
  });
  if (missing.length > 0) throw new MissingPeerError(feature, missing, peers);
}
