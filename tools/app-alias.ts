import Module from 'node:module';
import { join } from 'node:path';

/**
 * Lets ts-node resolve the library the way tsc and Jest do: `@app/redis-ha` -> libs/redis-ha/src and
 * `@app/redis-ha/<sub>` -> libs/redis-ha/src/<sub> (a folder resolves to its index.ts). tsconfig.json's `paths`
 * say this to tsc and `nest build`, jest.config.js's moduleNameMapper to Jest; ts-node ignores `paths`, so
 * tsconfig.json's "ts-node" section preloads this file into every ts-node process (`npm run bench:*`,
 * `cluster:*`, `demo`, `cycles`, and the sample app that test/helpers/sample-process.ts spawns).
 */
const ALIAS = '@app/redis-ha';
const TARGET = join(__dirname, '..', 'libs', 'redis-ha', 'src');
/** The published package's `nestjs-redis-ha/health` entry is the observability folder (health + metrics). */
const HEALTH = `${ALIAS}/health`;

type Resolve = (request: string, ...rest: unknown[]) => string;
const resolver = Module as unknown as { _resolveFilename: Resolve };
const original = resolver._resolveFilename;
resolver._resolveFilename = function (request: string, ...rest: unknown[]): string {
  const mapped =
    request === HEALTH
      ? join(TARGET, 'observability')
      : request === ALIAS || request.startsWith(`${ALIAS}/`)
        ? TARGET + request.slice(ALIAS.length)
        : request;
  return original.call(this, mapped, ...rest);
};
