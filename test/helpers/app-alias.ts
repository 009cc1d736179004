import Module from 'node:module';
import { join } from 'node:path';

/**
 * Lets ts-node (`npm run demo`, `npm run bench:http`) load the sample app, which imports the library as
 * `@app/redis-ha` the way an app imports a package. The tsconfig `paths` that say where that is are applied
 * by Jest (moduleNameMapper) and `nest build`, not by ts-node. Import this before anything from apps/.
 */
const ALIAS = '@app/redis-ha';
const TARGET = join(__dirname, '..', '..', 'libs', 'redis-ha', 'src');

type Resolve = (request: string, ...rest: unknown[]) => string;
const resolver = Module as unknown as { _resolveFilename: Resolve };
const original = resolver._resolveFilename;
resolver._resolveFilename = function (request: string, ...rest: unknown[]): string {
  const mapped =
    request === ALIAS || request.startsWith(`${ALIAS}/`) ? TARGET + request.slice(ALIAS.length) : request;
  return original.call(this, mapped, ...rest);
};
