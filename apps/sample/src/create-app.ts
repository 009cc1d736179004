import type { INestApplication, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { loadSampleConfig } from './config/sample.config';
import { jsonLogger } from './logging/json-logger';

export interface CreateAppOptions {
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default JSON lines at `LOG_LEVEL` */
  logger?: LoggerService | false;
}

/**
 * The sample app, initialised but not listening: `main.ts` listens on `PORT`; tests, the demo and the
 * benchmark call this with their cluster's environment. Fails (rejects) on a bad configuration or when Redis
 * is unreachable at startup, with the library's message naming what to fix.
 */
export async function createApp(options: CreateAppOptions = {}): Promise<INestApplication> {
  const env = options.env ?? process.env;
  const config = loadSampleConfig(env);
  const app = await NestFactory.create(AppModule.forRoot(env, config), {
    logger: options.logger ?? jsonLogger(config.logLevel),
    // Throw instead of exiting the process: the caller decides (main.ts exits 1).
    abortOnError: false,
  });
  await app.init();
  return app;
}
