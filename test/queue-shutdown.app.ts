/**
 * A small Nest app for test/queue-shutdown.e2e-spec.ts, run as a child process (ts-node, so Nest gets its
 * decorator metadata): one queue, one processor whose jobs take `job.data.ms`, shutdown hooks on. It prints
 * `ready`, `start <n>` and `done <n>` lines on stdout so the test can follow it, and exits on SIGTERM the way a
 * pod does (Nest runs the shutdown hooks, then re-raises the signal).
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { RedisHaModule } from '@app/redis-ha';
import { RedisHaQueueModule } from '@app/redis-ha/queue';

const QUEUE = process.env.SHUTDOWN_QUEUE ?? 'shutdown';

@Processor(QUEUE, { concurrency: Number(process.env.SHUTDOWN_CONCURRENCY ?? 6) })
class SlowProcessor extends WorkerHost {
  async process(job: Job<{ n: number; ms: number }>): Promise<number> {
    process.stdout.write(`start ${job.data.n}\n`);
    await new Promise((resolve) => setTimeout(resolve, job.data.ms));
    process.stdout.write(`done ${job.data.n}\n`);
    return job.data.n;
  }
}

@Module({
  imports: [RedisHaModule.forRoot({}), RedisHaQueueModule.registerQueue({ name: QUEUE })],
  providers: [SlowProcessor],
})
class ShutdownAppModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(ShutdownAppModule, { logger: ['warn', 'error'] });
  app.enableShutdownHooks();
  process.stdout.write('ready\n');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
