import { DynamicModule, Module, type ModuleMetadata, type Provider } from '@nestjs/common';
import { HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import type { Env } from '../config/env-reader';
import { modeProblems, parseHealthConfig, type HealthConfig } from '../config/health.config';
import type { RedisHaConfig } from '../config/redis-ha-options.interface';
import { RedisHaConfigError } from '../errors/redis-ha-config.error';
import { loadSection } from '../config/load-config';
import { REDIS_HA_CONFIG, REDIS_HA_ENV } from '../redis-ha.constants';
import { CacheHealthIndicator } from './cache.health';
import { ClusterHealthIndicator } from './cluster.health';
import { ClusterProbe } from './cluster-probe';
import { RedisHaHealthController } from './health.controller';
import { RedisHaMetricsController } from './metrics.controller';
import { REDIS_HA_HEALTH_CONFIG, REDIS_HA_HEALTH_OPTIONS } from './observability.constants';
import { QueueActivity } from './queue-activity';
import { QueueHealthIndicator } from './queue.health';
import { RedisHaHealth } from './redis-ha-health';
import { RedisHaMetrics } from './redis-ha-metrics';
import { RedisHealthIndicator } from './redis.health';
import { ReplicationHealthIndicator } from './replication.health';
import { SentinelProbe } from './sentinel-probe';
import { SentinelHealthIndicator } from './sentinel.health';

/** Options of `RedisHaHealthModule.register()`: health and metrics settings over `HEALTH_*` / `METRICS_*`. */
export interface RedisHaHealthModuleOptions extends Partial<HealthConfig> {
  /** Serve `GET /health/live`, `/health/ready`, `/health` and `/metrics`. Off: indicators only. @default true */
  endpoints?: boolean;
  /** Modules to import: the `RedisHaModule.forRoot({ isGlobal: false })` module, when the core is not global. */
  imports?: ModuleMetadata['imports'];
}

const INDICATORS = [
  RedisHealthIndicator,
  SentinelHealthIndicator,
  ReplicationHealthIndicator,
  QueueHealthIndicator,
  CacheHealthIndicator,
  ClusterHealthIndicator,
  RedisHaHealth,
];

const settings = (env: Env, options: RedisHaHealthModuleOptions): HealthConfig => {
  const { endpoints: _endpoints, imports: _imports, ...health } = options;
  return loadSection(env, parseHealthConfig, health);
};

/** The section, and the settings that need the core's connection mode to be judged. */
const checkedSettings = (
  env: Env,
  options: RedisHaHealthModuleOptions,
  core: RedisHaConfig,
): HealthConfig => {
  const config = settings(env, options);
  const problems = modeProblems(config, core.connection.mode, options.clusterReadyKeys !== undefined);
  if (problems.length > 0) throw new RedisHaConfigError(problems);
  return config;
};

// `HealthIndicatorService` (a stateless helper of Terminus) is provided here, so the indicators work whether
// or not the app imports `TerminusModule` itself.
const PROVIDERS: Provider[] = [
  { provide: REDIS_HA_HEALTH_OPTIONS, useValue: {} },
  {
    provide: REDIS_HA_HEALTH_CONFIG,
    useFactory: checkedSettings,
    inject: [REDIS_HA_ENV, REDIS_HA_HEALTH_OPTIONS, REDIS_HA_CONFIG],
  },
  HealthIndicatorService,
  SentinelProbe,
  ClusterProbe,
  QueueActivity,
  RedisHaMetrics,
  ...INDICATORS,
];
const EXPORTS = [REDIS_HA_HEALTH_CONFIG, RedisHaMetrics, SentinelProbe, ClusterProbe, ...INDICATORS];

/** Terminus' graceful shutdown from `HEALTH_SHUTDOWN_DELAY_MS`: readiness says 503 that long before closing. */
const terminus = (options: RedisHaHealthModuleOptions) =>
  TerminusModule.forRootAsync({
    imports: options.imports,
    useFactory: (env: Env) => ({ gracefulShutdownTimeoutMs: settings(env, options).shutdownDelayMs }),
    inject: [REDIS_HA_ENV],
  });

/** Health indicators and metrics without the endpoints: `RedisHaHealthModule.register({ endpoints: false })`. */
@Module({ providers: PROVIDERS, exports: EXPORTS })
export class RedisHaHealthIndicatorsModule {}

/**
 * Health and metrics of the core and of whichever features the app added: the indicators (injectable in an
 * app's own health controller) and the ready-made endpoints `GET /health/live`, `GET /health/ready`,
 * `GET /health` and `GET /metrics`. Import it as it is (settings from the environment) or with `register()`.
 * On SIGTERM (with `app.enableShutdownHooks()`) readiness says 503 for `HEALTH_SHUTDOWN_DELAY_MS` before the
 * connections close.
 */
@Module({
  imports: [terminus({})],
  providers: PROVIDERS,
  exports: EXPORTS,
  controllers: [RedisHaHealthController, RedisHaMetricsController],
})
export class RedisHaHealthModule {
  static register(options: RedisHaHealthModuleOptions = {}): DynamicModule {
    const endpoints = options.endpoints ?? true;
    return {
      module: endpoints ? RedisHaHealthModule : RedisHaHealthIndicatorsModule,
      imports: [...(options.imports ?? []), ...(endpoints ? [terminus(options)] : [])],
      providers: [{ provide: REDIS_HA_HEALTH_OPTIONS, useValue: options }],
    };
  }
}
