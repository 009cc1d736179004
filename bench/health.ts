/**
 * `npm run bench:health`: latency of `GET /health/ready` on a local cluster on port 27640.
 *
 * 1. Healthy cluster: p50/p99 of 1,500 sequential requests (keep-alive), after a warm-up.
 * 2. Hung master: SIGSTOP of the master, then requests back to back until the sentinels switch the master
 *    (~3 s with down-after 2000 ms): p99 must stay within HEALTH_TIMEOUT_MS + 50 ms. A naive readiness check
 *    (an unbounded PING on the same writer, what a hand-written indicator does) is measured in the same window
 *    for comparison.
 *
 * Last line: {"readyP50Ms":…,"readyP99Ms":…,"hungReadyP99Ms":…,"timeoutMs":…}
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, Get, Inject, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthCheckService, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import type Redis from 'ioredis';
import { RedisHaCacheModule } from '@app/redis-ha/cache';
import { RedisHaHealthModule } from '@app/redis-ha/health';
import { RedisHaModule, getRedisToken } from '@app/redis-ha';
import { LocalCluster } from '../tools/cluster/local-cluster';

const BASE_PORT = 27640;
const TIMEOUT_MS = 1000;
const WARMUP = 200;
const REQUESTS = 1500;

/**
 * Nest needs decorator metadata to inject the library's providers. `npm run bench:health` runs under ts-node,
 * which emits it; run through tsx (esbuild, which does not), the bench re-runs itself under ts-node.
 */
function runUnderTsNode(): void {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', __filename], {
    stdio: 'inherit',
  });
  child.on('exit', (code) => process.exit(code ?? 1));
}

/** What a hand-written readiness check usually does: PING the writer and wait for the answer. */
@Controller('naive')
class NaiveReadyController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(getRedisToken()) private readonly writer: Redis,
  ) {}

  @Get('ready')
  ready() {
    return this.health.check([() => this.writer.ping().then(() => this.indicators.check('redis').up())]);
  }
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

function timedGet(port: number, path: string): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0 }));
    });
    req.on('error', () => resolve({ ms: performance.now() - started, status: 0 }));
    req.end();
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const round = (ms: number) => Math.round(ms * 100) / 100;

async function main(): Promise<void> {
  const cluster = await LocalCluster.start({
    basePort: BASE_PORT,
    downAfterMs: 2000,
    failoverTimeoutMs: 5000,
  });
  let paused: number | undefined;
  try {
    await cluster.waitUntilHealthy();
    const env = {
      ...cluster.env(),
      REDIS_KEY_PREFIX: 'app:',
      HEALTH_TIMEOUT_MS: String(TIMEOUT_MS),
      HEALTH_SHUTDOWN_DELAY_MS: '0',
    };
    @Module({
      imports: [
        RedisHaModule.forRoot({ env }),
        RedisHaCacheModule.register({ isGlobal: true }),
        RedisHaHealthModule,
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [NaiveReadyController],
    })
    class BenchModule {}
    const app = await NestFactory.create(BenchModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    const port = (app.getHttpServer().address() as AddressInfo).port;

    for (let i = 0; i < WARMUP; i++) await timedGet(port, '/health/ready');
    const healthy: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const { ms, status } = await timedGet(port, '/health/ready');
      if (status !== 200) throw new Error(`healthy cluster: /health/ready answered ${status}`);
      healthy.push(ms);
    }
    console.log(
      `healthy: ${REQUESTS} requests, p50 ${round(percentile(healthy, 50))} ms, p99 ${round(percentile(healthy, 99))} ms, max ${round(Math.max(...healthy))} ms`,
    );

    const master = await cluster.master();
    const switched = cluster.nextSwitch(30_000);
    await switched.ready;
    await cluster.pause(master);
    paused = master;
    const pausedAt = Date.now();
    let switchedAt = Infinity;
    switched.then((s) => (switchedAt = s.at)).catch(() => undefined);
    const hung: Array<{ at: number; ms: number; status: number }> = [];
    const naive: Array<{ at: number; ms: number; status: number }> = [];
    const loop = async (path: string, into: typeof hung) => {
      while (Date.now() < switchedAt) {
        const at = Date.now();
        into.push({ at, ...(await timedGet(port, path)) });
      }
    };
    await Promise.all([
      loop('/health/ready', hung),
      loop('/health/ready', hung),
      loop('/naive/ready', naive),
    ]);
    const sw = await switched;
    const inWindow = hung.filter((r) => r.at >= pausedAt && r.at < sw.at);
    const hungMs = inWindow.map((r) => r.ms);
    const naiveMs = naive.filter((r) => r.at < sw.at).map((r) => r.ms);
    console.log(
      `hung master (SIGSTOP, switch after ${sw.at - pausedAt} ms): ${hungMs.length} requests, ` +
        `${inWindow.filter((r) => r.status === 503).length} answered 503, p50 ${round(percentile(hungMs, 50))} ms, ` +
        `p99 ${round(percentile(hungMs, 99))} ms, max ${round(Math.max(...hungMs))} ms (HEALTH_TIMEOUT_MS ${TIMEOUT_MS})`,
    );
    console.log(
      `naive readiness (unbounded PING on the writer) in the same window: ${naiveMs.length} requests, ` +
        `max ${round(Math.max(...naiveMs))} ms`,
    );
    await app.close();
    agent.destroy();
    console.log(
      JSON.stringify({
        readyP50Ms: round(percentile(healthy, 50)),
        readyP99Ms: round(percentile(healthy, 99)),
        hungReadyP99Ms: round(percentile(hungMs, 99)),
        timeoutMs: TIMEOUT_MS,
      }),
    );
  } finally {
    if (paused !== undefined) await cluster.resume(paused).catch(() => undefined);
    await cluster.stop();
  }
}

if (!Reflect.getMetadata('design:paramtypes', NaiveReadyController)) runUnderTsNode();
else
  main()
    .then(() => process.exit(0))
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
