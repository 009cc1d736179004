import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Scratch apps for test/package.e2e-spec.ts: a project outside the repo that installs the packed `nestjs-redis-ha`
// with only the peers of the features it uses, the way a user's app would.

export type Nest = '11' | '12';
export type Feature = 'cache' | 'queue' | 'health';

/** What an app imports, and the peers `npm install` must add for it (everything else must stay absent). */
export const CORE_PEERS = ['@nestjs/common', '@nestjs/core', 'ioredis', 'reflect-metadata', 'rxjs'];
export const FEATURES: Record<Feature, { subpath: string; peers: string[] }> = {
  cache: { subpath: 'nestjs-redis-ha/cache', peers: ['@nestjs/cache-manager', 'cache-manager', 'keyv'] },
  queue: { subpath: 'nestjs-redis-ha/queue', peers: ['@nestjs/bullmq', 'bullmq'] },
  health: { subpath: 'nestjs-redis-ha/health', peers: ['@nestjs/terminus', 'prom-client'] },
};
export const ALL_FEATURES = Object.keys(FEATURES) as Feature[];

// Majors per package; the other @nestjs/* follow Nest's (@nestjs/cache-manager jumped from 3 to 12 with Nest 12).
const MAJOR: Record<string, string> = {
  bullmq: '6',
  ioredis: '6',
  'cache-manager': '7',
  keyv: '5',
  'prom-client': '15',
  'reflect-metadata': '0.2',
  rxjs: '7',
};
const versioned = (name: string, nest: Nest): string =>
  `${name}@${name === '@nestjs/cache-manager' ? (nest === '11' ? '3' : '12') : (MAJOR[name] ?? nest)}`;

/** `npm install` arguments: the core peers, the features' peers, and an HTTP platform when health is served. */
export function installArgs(nest: Nest, features: readonly Feature[]): string[] {
  const names = [...CORE_PEERS, ...features.flatMap((f) => FEATURES[f].peers)];
  if (features.includes('health')) names.push('@nestjs/platform-express');
  return names.map((name) => versioned(name, nest));
}

/**
 * The app a user writes, in plain CommonJS so the scratch project needs no compiler: decorators are called as
 * functions. `node main.js <feature>...` wires the features named, runs one check per feature and prints the
 * results as one JSON line. HTTP (for health) listens on 127.0.0.1 only.
 */
const MAIN = `'use strict';
require('reflect-metadata');
const http = require('node:http');
const { Inject, Injectable, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { RedisHaModule, getRedisToken } = require('nestjs-redis-ha');

const FEATURES = process.argv.slice(2);
const KEY = 'pkg:' + process.env.APP_NAME;
const imports = [RedisHaModule.forRoot({ env: JSON.parse(process.env.HA_ENV) })];
const providers = [];
const checks = [];
const result = { nest: require('@nestjs/core/package.json').version };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

checks.push(async (app) => {
  const redis = app.get(getRedisToken());
  await redis.set(KEY, 'ok');
  result.redis = await redis.get(KEY);
});

if (FEATURES.includes('cache')) {
  const { CACHE_MANAGER } = require('@nestjs/cache-manager');
  const { RedisHaCacheModule } = require('nestjs-redis-ha/cache');
  class CacheUser { constructor(cache) { this.cache = cache; } }
  Injectable()(CacheUser);
  Inject(CACHE_MANAGER)(CacheUser, undefined, 0);
  imports.push(RedisHaCacheModule.register({ isGlobal: true, ttl: 60000 }));
  providers.push(CacheUser);
  checks.push(async (app) => {
    const { cache } = app.get(CacheUser);
    const miss = await cache.get(KEY);
    await cache.set(KEY, { n: 1 });
    result.cache = { missed: miss === undefined, hit: await cache.get(KEY) };
  });
}

if (FEATURES.includes('queue')) {
  const { InjectQueue, Processor, WorkerHost } = require('@nestjs/bullmq');
  const { RedisHaQueueModule } = require('nestjs-redis-ha/queue');
  class JobsWorker extends WorkerHost { async process(job) { return { doubled: job.data.n * 2 }; } }
  Processor('jobs')(JobsWorker);
  class JobsSender { constructor(queue) { this.queue = queue; } }
  Injectable()(JobsSender);
  InjectQueue('jobs')(JobsSender, undefined, 0);
  imports.push(RedisHaQueueModule.registerQueue({ name: 'jobs' }));
  providers.push(JobsWorker, JobsSender);
  checks.push(async (app) => {
    const { queue } = app.get(JobsSender);
    const { id } = await queue.add('double', { n: 21 });
    const until = Date.now() + 20000;
    let job;
    do {
      await sleep(50);
      job = await queue.getJob(id);
    } while (job && !job.finishedOn && Date.now() < until);
    result.queue = job
      ? { state: await job.getState(), returnvalue: job.returnvalue, failedReason: job.failedReason }
      : { state: 'missing' };
  });
}

const get = (port, path) =>
  new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'], body }));
    }).on('error', reject);
  });

if (FEATURES.includes('health')) {
  const { RedisHaHealthModule } = require('nestjs-redis-ha/health');
  imports.push(RedisHaHealthModule);
  checks.push(async (app) => {
    const { port } = app.getHttpServer().address();
    const ready = await get(port, '/health/ready');
    const metrics = await get(port, '/metrics');
    result.health = { ready: ready.status, readyBody: ready.body, metrics: metrics.status, metricsType: metrics.type };
  });
}

class AppModule {}
Module({ imports, providers })(AppModule);

(async () => {
  const options = { logger: ['error'] };
  const serve = FEATURES.includes('health');
  const app = serve
    ? await NestFactory.create(AppModule, options)
    : await NestFactory.createApplicationContext(AppModule, options);
  if (serve) await app.listen(0, '127.0.0.1');
  try {
    for (const check of checks) await check(app);
  } finally {
    await app.close();
  }
  console.log(JSON.stringify(result));
})().catch((err) => { console.error(err); process.exit(1); });
`;

/** `node needs.js <subpath>`: what requiring a subpath did, in a fresh process (no half-loaded module cache). */
const NEEDS = `'use strict';
try {
  require(process.argv[2]);
  console.log(JSON.stringify({ loaded: true }));
} catch (err) {
  console.log(JSON.stringify({ loaded: false, message: String(err && err.message) }));
}
`;

/** Every public entry point, for `tsc` under each moduleResolution (node10 needs the package's typesVersions). */
const TYPES = `import { RedisHaModule, getRedisToken } from 'nestjs-redis-ha';
import { RedisHaCacheModule } from 'nestjs-redis-ha/cache';
import { RedisHaQueueModule } from 'nestjs-redis-ha/queue';
import { RedisHaHealthModule } from 'nestjs-redis-ha/health';
export const used = [RedisHaModule, getRedisToken, RedisHaCacheModule, RedisHaQueueModule, RedisHaHealthModule];
`;

/** stdout of `cmd args` in `cwd`; on a non-zero exit, an error with the command, its stderr and its stdout. */
export function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  timeout = 240_000,
): string {
  try {
    return execFileSync(cmd, args, {
      cwd,
      env: { ...process.env, ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout,
    });
  } catch (err) {
    const e = err as { status?: number; signal?: string; stdout?: string; stderr?: string };
    const what = [cmd, ...args].join(' ');
    throw new Error(`${what} in ${cwd} failed (exit ${e.status ?? e.signal}):\n${e.stderr}${e.stdout}`);
  }
}

/** The last stdout line of `node <script> <args>` in `dir`, parsed as JSON. */
export function runJson(dir: string, script: string, args: string[], env: NodeJS.ProcessEnv): any {
  const out = run('node', [script, ...args], dir, env, 60_000);
  return JSON.parse(out.trim().split('\n').pop()!);
}

const ROOT = join(__dirname, '..', '..');

/** Builds the library and packs it as a user receives it; returns the tarball's path, in `dest`. */
export function packLibrary(dest: string): string {
  run('npm', ['run', 'build:lib'], ROOT);
  const out = run('npm', ['pack', '--pack-destination', dest], join(ROOT, 'dist', 'libs', 'redis-ha'));
  return join(dest, out.trim().split('\n').pop()!);
}

/** A scratch project in `dir` with the tarball and the peers of `features` installed, and the app's sources. */
export function installApp(dir: string, tarball: string, nest: Nest, features: readonly Feature[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `scratch-${dir.split('/').pop()}`, private: true }),
  );
  writeFileSync(join(dir, 'main.js'), MAIN);
  writeFileSync(join(dir, 'needs.js'), NEEDS);
  writeFileSync(join(dir, 'types.ts'), TYPES);
  const args = [
    'install',
    '--no-audit',
    '--no-fund',
    '--prefer-offline',
    tarball,
    ...installArgs(nest, features),
  ];
  run('npm', args, dir);
}

export const installed = (dir: string, name: string): boolean =>
  existsSync(join(dir, 'node_modules', name, 'package.json'));
