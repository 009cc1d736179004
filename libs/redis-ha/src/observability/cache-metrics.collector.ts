import type { Registry } from 'prom-client';
import type { CacheCounters } from '../cache/cache-metrics';
import type { CacheMode, CacheStatus } from '../cache/cache-status';
import { CallbackMetric, register } from './callback-metric';

const MODES: readonly CacheMode[] = ['redis', 'fallback', 'disabled'];

/** The counters of the cache feature (`CacheMetrics`) exported as Prometheus counters, name by name. */
const COUNTERS: ReadonlyArray<[keyof CacheCounters, string, string]> = [
  ['hits', 'cache_hits_total', 'Cache reads that found a value (Redis or fallback)'],
  ['misses', 'cache_misses_total', 'Cache reads that found nothing'],
  ['fallbackHits', 'cache_fallback_hits_total', 'Part of the hits served by the in-memory fallback'],
  [
    'fallbackActivations',
    'cache_fallback_activations_total',
    'Switches of the cache from Redis to its in-memory fallback',
  ],
  ['recoveries', 'cache_recoveries_total', 'Switches of the cache from the fallback back to Redis'],
  ['loaderRuns', 'cache_loader_runs_total', 'Loader runs of wrap() (misses and early refreshes)'],
  ['loaderErrors', 'cache_loader_errors_total', 'Loader runs that threw'],
  ['redisErrors', 'cache_redis_errors_total', 'Redis calls of the cache that failed (errors and timeouts)'],
  [
    'coalesced',
    'cache_coalesced_total',
    'Lookups that joined one already in flight for the same key (single-flight)',
  ],
  [
    'durableUnconfirmed',
    'cache_durable_unconfirmed_total',
    'Durable writes the replicas did not confirm in time',
  ],
];

/** The cache's mode (from `CacheStatus`) and its counters (from `CacheMetrics`, when the cache feature runs). */
export function registerCacheMetrics(
  registry: Registry,
  prefix: string,
  status: CacheStatus,
  counters: (CacheCounters & { fallbackItems?: number }) | undefined,
): void {
  register(
    registry,
    new CallbackMetric(
      `${prefix}cache_mode`,
      '1 for the mode the cache serves from now (redis, fallback, disabled), 0 for the others',
      'gauge',
      () => MODES.map((mode) => ({ labels: { mode }, value: status.mode === mode ? 1 : 0 })),
    ),
  );
  register(
    registry,
    new CallbackMetric(
      `${prefix}cache_mode_transitions_total`,
      'Changes of the cache mode (each switch to or from the fallback)',
      'counter',
      () => [{ value: status.transitions }],
    ),
  );
  if (!counters) return;
  for (const [field, name, help] of COUNTERS) {
    register(
      registry,
      new CallbackMetric(`${prefix}${name}`, help, 'counter', () => [{ value: counters[field] }]),
    );
  }
  register(
    registry,
    new CallbackMetric(
      `${prefix}cache_fallback_items`,
      'Entries in the in-memory fallback now',
      'gauge',
      () => [{ value: counters.fallbackItems ?? 0 }],
    ),
  );
}
