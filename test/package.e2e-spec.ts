import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCluster } from '../tools/cluster/local-cluster';

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist', 'libs', 'redis-ha');

// The app a user writes, in plain CommonJS so the scratch project needs no compiler.
const BOOT = `
require('reflect-metadata');
const { NestFactory } = require('@nestjs/core');
const { RedisHaModule, getRedisToken } = require('nestjs-redis-ha');
(async () => {
  const app = await NestFactory.createApplicationContext(
    RedisHaModule.forRoot({ env: JSON.parse(process.env.HA_ENV) }), { logger: ['error'] });
  const redis = app.get(getRedisToken());
  await redis.set('pkg-check', 'ok');
  console.log(JSON.stringify({ value: await redis.get('pkg-check'), nest: require('@nestjs/core/package.json').version }));
  await app.close();
})().catch((err) => { console.error(err); process.exit(1); });
`;

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(cmd, args, {
    cwd,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 240_000,
  });
}

describe('the library as the npm package nestjs-redis-ha', () => {
  let cluster: LocalCluster;
  let tarball: string;
  const scratch = mkdtempSync(join(tmpdir(), 'redis-ha-pkg-'));

  beforeAll(async () => {
    run('npm', ['run', 'build:lib'], ROOT);
    tarball = join(
      scratch,
      run('npm', ['pack', '--pack-destination', scratch], DIST).trim().split('\n').pop()!,
    );
    cluster = await LocalCluster.start({ basePort: 27170 });
  });

  afterAll(async () => {
    await cluster?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('has a package.json with entry points and peer dependencies for Nest 11 and 12', () => {
    const pkg = JSON.parse(readFileSync(join(DIST, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: 'nestjs-redis-ha', main: 'index.js', types: 'index.d.ts' });
    expect(pkg.peerDependencies['@nestjs/common']).toBe('^11.0.0 || ^12.0.0');
    expect(pkg.peerDependencies.ioredis).toBeDefined();
  });

  // Nest 12 is ESM-only: this CommonJS package loads it through Node's require(esm) (Node >= 20.19).
  it.each([
    ['11', '3'],
    ['12', '12'],
  ])('installs into a separate Nest %s app that boots RedisHaModule from it', (nest, cacheManager) => {
    const app = join(scratch, `nest${nest}`);
    run('mkdir', ['-p', app], scratch);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: `scratch-nest${nest}`, private: true }));
    writeFileSync(join(app, 'main.js'), BOOT);
    const deps = [
      `@nestjs/common@${nest}`,
      `@nestjs/core@${nest}`,
      `@nestjs/terminus@${nest}`,
      `@nestjs/bullmq@${nest}`,
      `@nestjs/cache-manager@${cacheManager}`,
      'bullmq@6',
      'ioredis@6',
      'cache-manager@7',
      'keyv@5',
      'prom-client@15',
      'reflect-metadata@0.2',
      'rxjs@7',
    ];
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, ...deps], app);
    const env = { ...cluster.env(), REDIS_KEY_PREFIX: 'app:' };
    const out = run('node', ['main.js'], app, { ...process.env, HA_ENV: JSON.stringify(env) });
    const result = JSON.parse(out.trim().split('\n').pop()!);
    expect(result.value).toBe('ok');
    expect(result.nest.split('.')[0]).toBe(nest);
  });
});
