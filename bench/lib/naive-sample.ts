import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Module,
  NotFoundException,
  OnModuleDestroy,
  Param,
  Post,
  Res,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Response } from 'express';
import type Redis from 'ioredis';
import { holidaysOf } from '../../apps/sample/src/holidays/holiday-calendar';
import { computeReport } from '../../apps/sample/src/reports/compute-report';
import type { LocalCluster } from '../../tools/cluster/local-cluster';
import { rawSentinelClient, rawSentinelOptions } from './raw-client';

/**
 * The baseline of `bench:http`: the sample app's routes as an app without the library writes them, with the
 * defaults everyone starts from: one raw ioredis Sentinel client for the cache (GET, then SET with a TTL on a
 * miss, no fallback) and raw BullMQ `Queue`/`Worker` on Sentinel connection options (plain adds). Same slow
 * source (200 ms), same report work (5 ms), same HTTP answers when all is well.
 */
const REDIS = 'NAIVE:REDIS';
const QUEUE = 'NAIVE:QUEUE';
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@Controller()
class NaiveController implements OnModuleDestroy {
  private readonly worker: Worker;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(QUEUE) private readonly queue: Queue,
  ) {
    this.worker = new Worker(
      queue.name,
      async (job) => {
        await sleep(5);
        return computeReport(job.data.month);
      },
      {
        connection: { ...(queue.opts.connection as object), maxRetriesPerRequest: null },
        prefix: queue.opts.prefix,
        concurrency: 10,
      },
    );
    this.worker.on('error', () => undefined);
  }

  @Get('holidays/:year')
  async holidays(@Param('year') year: string, @Res({ passthrough: true }) res: Response) {
    const key = `cache:naive:holidays:${year}`;
    const cached = await this.redis.get(key);
    res.setHeader('x-cache', cached ? 'hit' : 'miss');
    if (cached) return JSON.parse(cached);
    await sleep(200);
    const value = {
      year: Number(year),
      holidays: holidaysOf(Number(year)),
      loadedAt: new Date().toISOString(),
    };
    await this.redis.set(key, JSON.stringify(value), 'EX', 3600);
    return value;
  }

  @Post('reports')
  @HttpCode(202)
  async create(@Body() body: { month?: unknown }) {
    if (typeof body?.month !== 'string' || !MONTH.test(body.month)) throw new BadRequestException('month');
    const job = await this.queue.add('monthly-report', { month: body.month });
    return { id: job.id };
  }

  @Get('reports/:id')
  async status(@Param('id') id: string) {
    const state = await this.queue.getJobState(id);
    const job = state === 'unknown' ? undefined : await this.queue.getJob(id);
    if (!job) throw new NotFoundException();
    const shown = state === 'completed' || state === 'failed' || state === 'active' ? state : 'waiting';
    return { id, state: shown, result: job.returnvalue ?? undefined, finishedOn: job.finishedOn };
  }

  async onModuleDestroy(): Promise<void> {
    await this.worker.close(true).catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    this.redis.disconnect();
  }
}

/** The naive app on `cluster`, initialised (not listening). */
export async function createNaiveApp(cluster: LocalCluster): Promise<INestApplication> {
  // BullMQ types its options against its own view of ioredis: the same object, typed for it.
  const connection = rawSentinelOptions(cluster) as ConnectionOptions;
  const queue = new Queue('naive-reports', { connection, prefix: '{bull}' });
  queue.on('error', () => undefined);

  @Module({
    controllers: [NaiveController],
    providers: [
      { provide: REDIS, useValue: rawSentinelClient(cluster) },
      { provide: QUEUE, useValue: queue },
    ],
  })
  class NaiveModule {}

  const app = await NestFactory.create(NaiveModule, { logger: false, abortOnError: false });
  await app.init();
  return app;
}
