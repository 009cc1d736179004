import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../apps/sample/src/create-app';
import { CapturingLogger } from './ha-app';
import type { LocalCluster } from '../../tools/cluster/local-cluster';

/** The sample app (apps/sample) in this process, listening on 127.0.0.1. */
export interface SampleApp {
  app: INestApplication;
  url: string;
  /** What the app logged (shown when SAMPLE_E2E_LOGS is set). */
  logger: CapturingLogger;
  close(): Promise<void>;
}

/**
 * The environment a user would give the app for this cluster: the ACL `app` user (its keys under `app:`,
 * `cache:` and `{bull}:`), a holidays TTL longer than any test, and no shutdown delay (nothing drains a test app).
 */
export function sampleEnv(cluster: LocalCluster, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...cluster.env(),
    REDIS_KEY_PREFIX: 'app:',
    CACHE_TTL_HOLIDAYS: '3600',
    HEALTH_SHUTDOWN_DELAY_MS: '0',
    ...extra,
  };
}

export async function startSampleApp(env: Record<string, string>, port = 0): Promise<SampleApp> {
  const logger = new CapturingLogger(Boolean(process.env.SAMPLE_E2E_LOGS));
  logger.setLogLevels(['fatal', 'error', 'warn', 'log']);
  const app = await createApp({ env, logger });
  try {
    await app.listen(port, '127.0.0.1');
  } catch (err) {
    await app.close();
    throw err;
  }
  const address = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${address.port}`, logger, close: () => app.close() };
}
