import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCluster } from '../tools/cluster/local-cluster';
import {
  ALL_FEATURES,
  CORE_PEERS,
  FEATURES,
  installApp,
  installed,
  packLibrary,
  run,
  runJson,
  type Feature,
  type Nest,
} from './helpers/package-app';

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist', 'libs', 'redis-ha');

// Each combination of features a user may install, on each Nest major: the app installs the core peers plus the
// peers of its features only, and must boot and work without the others.
const COMBINATIONS: { combination: string; features: Feature[] }[] = [
  { combination: 'connections only', features: [] },
  { combination: 'cache only', features: ['cache'] },
  { combination: 'queues only', features: ['queue'] },
  { combination: 'everything', features: ['cache', 'queue', 'health'] },
];
const MATRIX = (['11', '12'] as Nest[]).flatMap((nest) => COMBINATIONS.map((c) => ({ nest, ...c })));

describe('the library as the npm package nestjs-redis-ha', () => {
  let cluster: LocalCluster;
  let tarball: string;
  const scratch = mkdtempSync(join(tmpdir(), 'redis-ha-pkg-'));

  beforeAll(async () => {
    tarball = packLibrary(scratch);
    cluster = await LocalCluster.start({ basePort: 27170 });
  });

  afterAll(async () => {
    await cluster?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('has a package.json with an entry point per feature and only the core peers required', () => {
    const pkg = JSON.parse(readFileSync(join(DIST, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: 'nestjs-redis-ha', main: 'index.js', types: 'index.d.ts' });
    const entry = (file: string) => ({
      types: `./${file}.d.ts`,
      require: `./${file}.js`,
      default: `./${file}.js`,
    });
    expect(pkg.exports).toEqual({
      '.': entry('index'),
      './cache': entry('cache/index'),
      './queue': entry('queue/index'),
      './health': entry('observability/index'),
      './package.json': './package.json',
    });
    expect(pkg.typesVersions).toEqual({
      '*': {
        cache: ['cache/index.d.ts'],
        queue: ['queue/index.d.ts'],
        health: ['observability/index.d.ts'],
      },
    });
    expect(pkg.peerDependencies['@nestjs/common']).toBe('^11.0.0 || ^12.0.0');
    const optional = ALL_FEATURES.flatMap((f) => FEATURES[f].peers);
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual([...CORE_PEERS, ...optional].sort());
    expect(Object.keys(pkg.peerDependenciesMeta).sort()).toEqual([...optional].sort());
    for (const name of optional) expect(pkg.peerDependenciesMeta[name]).toEqual({ optional: true });
  });

  // Nest 12 is ESM-only: this CommonJS package loads it through Node's require(esm) (Node >= 20.19).
  describe.each(MATRIX)('in a Nest $nest app with $combination', ({ nest, combination, features }) => {
    const name = `nest${nest}-${combination.split(' ')[0]}`;
    const app = join(scratch, name);
    const missing = ALL_FEATURES.filter((f) => !features.includes(f));

    beforeAll(() => installApp(app, tarball, nest, features));

    it('boots and uses what it installed', () => {
      const env = { APP_NAME: name, HA_ENV: JSON.stringify({ ...cluster.env(), REDIS_KEY_PREFIX: 'app:' }) };
      const result = runJson(app, 'main.js', features, env);
      expect(result.nest.split('.')[0]).toBe(nest);
      expect(result.redis).toBe('ok');
      if (features.includes('cache')) expect(result.cache).toEqual({ missed: true, hit: { n: 1 } });
      if (features.includes('queue')) {
        expect(result.queue).toMatchObject({ state: 'completed', returnvalue: { doubled: 42 } });
      }
      if (features.includes('health')) {
        expect(result.health).toMatchObject({ ready: 200, metrics: 200 });
        expect(result.health.metricsType).toMatch(/^text\/plain/);
      }
    });

    if (missing.length > 0) {
      it.each(missing)(
        'has no peers of %s installed, and importing it names them with npm install',
        (feature) => {
          const { subpath, peers } = FEATURES[feature];
          for (const peer of peers) expect(installed(app, peer)).toBe(false);
          const result = runJson(app, 'needs.js', [subpath], {});
          expect(result.loaded).toBe(false);
          expect(result.message).toContain('npm install');
          for (const peer of peers) expect(result.message).toContain(peer);
        },
      );
    } else {
      // node10 ignores `exports` (typesVersions serves the subpaths); node16 and bundler read `exports`.
      it.each([
        ['node10', 'commonjs'],
        ['node16', 'node16'],
        ['bundler', 'esnext'],
      ])('types resolve for every entry point under moduleResolution %s', (resolution, module) => {
        const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
        const flags = ['--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022'];
        run('node', [tsc, ...flags, '--module', module, '--moduleResolution', resolution, 'types.ts'], app);
      });
    }
  });
});
