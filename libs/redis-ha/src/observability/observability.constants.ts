/** Injection token of the validated health and metrics settings (`HealthConfig`: `HEALTH_*`, `METRICS_*`). */
export const REDIS_HA_HEALTH_CONFIG = 'REDIS_HA:HEALTH_CONFIG';
/** Injection token of the options given to `RedisHaHealthModule.register()`. */
export const REDIS_HA_HEALTH_OPTIONS = 'REDIS_HA:HEALTH_OPTIONS';
