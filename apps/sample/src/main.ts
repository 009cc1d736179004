import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { SAMPLE_CONFIG, type SampleConfig } from './config/sample.config';
import { createApp } from './create-app';

/** `node dist/apps/sample/main.js`: the sample app on `PORT`, draining on SIGTERM. */
async function bootstrap(): Promise<void> {
  const app = await createApp();
  // SIGTERM: readiness answers 503 for HEALTH_SHUTDOWN_DELAY_MS, then workers drain and connections close.
  app.enableShutdownHooks();
  const { port } = app.get<SampleConfig>(SAMPLE_CONFIG);
  await app.listen(port);
  new Logger('Sample').log(`listening on http://localhost:${port}`);
}

bootstrap().catch((err: Error) => {
  process.stderr.write(`${JSON.stringify({ level: 'fatal', pid: process.pid, message: err.message })}\n`);
  process.exit(1);
});
