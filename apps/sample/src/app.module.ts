import { Module, type DynamicModule } from '@nestjs/common';
import { RedisHaHealthModule } from '@app/redis-ha/health';
import { RedisHaModule } from '@app/redis-ha';
import { RedisHaCacheModule } from '@app/redis-ha/cache';
import { RedisHaQueueModule } from '@app/redis-ha/queue';
import { SAMPLE_CONFIG, type SampleConfig } from './config/sample.config';
import { HolidaysController } from './holidays/holidays.controller';
import { HolidaysSource } from './holidays/holidays.source';
import { ReportsController } from './reports/reports.controller';
import { REPORTS_QUEUE } from './reports/reports.constants';
import { ReportsProcessor } from './reports/reports.processor';

const DAY_S = 86_400;

/**
 * The whole sample service. Redis comes from the environment through `RedisHaModule.forRoot({ env })` (the
 * connections); each feature is a module of its own: the cache behind `RedisHaCache` and `CACHE_MANAGER`
 * (`RedisHaCacheModule`), the `reports` queue and its worker (`RedisHaQueueModule`), and the health and metrics
 * endpoints (`RedisHaHealthModule`: `/health/live`, `/health/ready`, `/health`, `/metrics`).
 */
@Module({})
export class AppModule {
  /** `env` is `process.env` in production; tests and benchmarks pass the environment of their cluster. */
  static forRoot(env: NodeJS.ProcessEnv, config: SampleConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RedisHaModule.forRoot({ env }),
        RedisHaCacheModule.register({ isGlobal: true }),
        RedisHaQueueModule.registerQueue({
          name: REPORTS_QUEUE,
          // An accepted report must survive a failover: the 202 waits for a replica (QUEUE_DURABLE_*).
          durableAdds: true,
          queueOptions: {
            defaultJobOptions: {
              attempts: 3,
              backoff: { type: 'exponential', delay: 500 },
              // GET /reports/:id reads finished jobs: keep them a day (a week when failed).
              removeOnComplete: { age: DAY_S },
              removeOnFail: { age: 7 * DAY_S },
            },
          },
        }),
        RedisHaHealthModule,
      ],
      controllers: [HolidaysController, ReportsController],
      providers: [{ provide: SAMPLE_CONFIG, useValue: config }, HolidaysSource, ReportsProcessor],
    };
  }
}
