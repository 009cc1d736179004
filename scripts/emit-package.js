#!/usr/bin/env node
// Writes dist/libs/redis-ha/package.json after `nest build redis-ha`, so that folder is the npm package
// `nestjs-redis-ha`: CommonJS with type declarations, peer dependencies on what the library imports.
// Peer ranges: Nest 11 and 12 (Nest 12 is ESM-only; Node >= 20.19 loads it from this CommonJS package through
// require(esm), proven by test/package.e2e-spec.ts); ioredis/BullMQ/cache-manager at the majors we test.
const { readFileSync, writeFileSync, copyFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const out = join(root, 'dist', 'libs', 'redis-ha');
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// Entry points: the core, and one subpath per opt-in feature, so an app that never imports a feature needs none
// of its peers installed. Subpath -> compiled file without extension (health and metrics live in observability/).
const entries = {
  '.': 'index',
  './cache': 'cache/index',
  './queue': 'queue/index',
  './health': 'observability/index',
};

const missing = Object.values(entries).filter((file) => !existsSync(join(out, `${file}.js`)));
if (missing.length > 0) {
  console.error(
    `dist/libs/redis-ha lacks ${missing.map((f) => `${f}.js`).join(', ')}: run \`nest build redis-ha\` first`,
  );
  process.exit(1);
}

const exportMap = {};
for (const [subpath, file] of Object.entries(entries)) {
  exportMap[subpath] = { types: `./${file}.d.ts`, require: `./${file}.js`, default: `./${file}.js` };
}
exportMap['./package.json'] = './package.json';

// TypeScript with moduleResolution node10 ignores `exports`: typesVersions points it at the subpaths' .d.ts
// (paths it does not match, like the package root, still resolve through `types`).
const typesPaths = {};
for (const [subpath, file] of Object.entries(entries)) {
  if (subpath !== '.') typesPaths[subpath.slice(2)] = [`${file}.d.ts`];
}

// Every feature's peers are optional (npm then installs them only when the app asks for them); importing a
// feature's subpath without them throws an error naming the `npm install` to run.
const peers = {
  required: {
    '@nestjs/common': '^11.0.0 || ^12.0.0',
    '@nestjs/core': '^11.0.0 || ^12.0.0',
    ioredis: '^6.0.0',
    'reflect-metadata': '^0.2.0',
    rxjs: '^7.8.0',
  },
  optional: {
    '@nestjs/cache-manager': '^3.1.0 || ^12.0.0', // ./cache
    'cache-manager': '^7.0.0',
    keyv: '^5.0.0',
    '@nestjs/bullmq': '^11.0.0 || ^12.0.0', // ./queue
    bullmq: '^6.0.0',
    '@nestjs/terminus': '^11.0.0 || ^12.0.0', // ./health (health checks and /metrics)
    'prom-client': '^15.0.0',
  },
};

const pkg = {
  name: 'nestjs-redis-ha',
  version: rootPkg.version,
  description:
    'Redis Sentinel high availability for NestJS: connections, cache, BullMQ queues, health and metrics',
  license: rootPkg.license,
  main: 'index.js',
  types: 'index.d.ts',
  exports: exportMap,
  typesVersions: { '*': typesPaths },
  files: ['**/*.js', '**/*.d.ts', '**/*.js.map', 'README.md'],
  engines: { node: '>=20.19' },
  peerDependencies: { ...peers.required, ...peers.optional },
  peerDependenciesMeta: Object.fromEntries(
    Object.keys(peers.optional).map((name) => [name, { optional: true }]),
  ),
};
writeFileSync(join(out, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
if (existsSync(join(root, 'README.md'))) copyFileSync(join(root, 'README.md'), join(out, 'README.md'));
console.log(`wrote ${join('dist', 'libs', 'redis-ha', 'package.json')} (nestjs-redis-ha@${pkg.version})`);
