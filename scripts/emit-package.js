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

if (!existsSync(join(out, 'index.js'))) {
  console.error('dist/libs/redis-ha/index.js is missing: run `nest build redis-ha` first');
  process.exit(1);
}

const pkg = {
  name: 'nestjs-redis-ha',
  version: rootPkg.version,
  description:
    'Redis Sentinel high availability for NestJS: connections, cache, BullMQ queues, health and metrics',
  license: rootPkg.license,
  main: 'index.js',
  types: 'index.d.ts',
  exports: {
    '.': { types: './index.d.ts', require: './index.js', default: './index.js' },
    './package.json': './package.json',
  },
  files: ['**/*.js', '**/*.d.ts', '**/*.js.map', 'README.md'],
  engines: { node: '>=20.19' },
  peerDependencies: {
    '@nestjs/common': '^11.0.0 || ^12.0.0',
    '@nestjs/core': '^11.0.0 || ^12.0.0',
    '@nestjs/bullmq': '^11.0.0 || ^12.0.0',
    '@nestjs/cache-manager': '^3.1.0 || ^12.0.0',
    '@nestjs/terminus': '^11.0.0 || ^12.0.0',
    bullmq: '^6.0.0',
    'cache-manager': '^7.0.0',
    ioredis: '^6.0.0',
    keyv: '^5.0.0',
    'prom-client': '^15.0.0',
    'reflect-metadata': '^0.2.0',
    rxjs: '^7.8.0',
  },
};
writeFileSync(join(out, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
if (existsSync(join(root, 'README.md'))) copyFileSync(join(root, 'README.md'), join(out, 'README.md'));
console.log(`wrote ${join('dist', 'libs', 'redis-ha', 'package.json')} (nestjs-redis-ha@${pkg.version})`);
