import { RedisHaConfigError } from '../errors/redis-ha-config.error';
import { EnvReader, type Env } from './env-reader';

/** What to do at startup when the server's `maxmemory-policy` could evict queue keys. */
export type EvictionCheck = 'refuse' | 'warn' | 'off';

/** Validated queue settings (`QUEUE_*`). */
export interface QueueConfig {
  /**
   * `QUEUE_PREFIX`: BullMQ `prefix` of every queue key. It must contain a hash tag (`{...}`) so all keys of a
   * queue map to one slot (BullMQ's Lua scripts touch many keys at once). In Redis Cluster mode each queue gets
   * its own tag instead: the prefix without its braces, then `{<queue>}` (queue/queue-keys.ts). @default '{bull}'
   */
  prefix: string;
  /**
   * `QUEUE_LOCK_DURATION_MS`: how long a worker's lock on an active job lasts; the worker renews it every half.
   * A job whose worker died is recovered once its lock expired (plus up to one stalled interval). @default 30000
   */
  lockDurationMs: number;
  /** `QUEUE_STALLED_INTERVAL_MS`: how often workers look for active jobs whose lock expired. @default 30000 */
  stalledIntervalMs: number;
  /**
   * `QUEUE_MAX_STALLED_COUNT`: how many times a job may be found stalled (its worker died or blocked its event
   * loop past the lock) and go back to wait before it fails instead. @default 1
   */
  maxStalledCount: number;
  /**
   * `QUEUE_DURABLE_ADDS`: `queue.add()` resolves only once `durableReplicas` replicas confirmed the job (`WAIT`
   * on the connection that carried the add), so an acknowledged add survives a failover. @default false
   */
  durableAdds: boolean;
  /** `QUEUE_DURABLE_REPLICAS`: replicas a durable add waits for. @default 1 */
  durableReplicas: number;
  /** `QUEUE_DURABLE_TIMEOUT_MS`: how long a durable add waits for them before failing with `QueueAddNotDurableError`. @default 1000 */
  durableTimeoutMs: number;
  /**
   * `QUEUE_ADD_TIMEOUT_MS`: the command timeout of the queues' producer connection: how long an add may wait for
   * a master (through a failover) before it fails with `CommandTimeoutError` (it did not happen). An HTTP handler
   * that must answer sooner than `REDIS_COMMAND_TIMEOUT_MS` sets it lower. `0`: `REDIS_COMMAND_TIMEOUT_MS`. @default 0
   */
  addTimeoutMs: number;
  /**
   * `QUEUE_SHUTDOWN_TIMEOUT_MS`: on shutdown (SIGTERM with `enableShutdownHooks()`), workers stop taking jobs and
   * active jobs get this long to finish; the unfinished ones go back to the queue. @default 10000
   */
  shutdownTimeoutMs: number;
  /** `QUEUE_MAX_PAYLOAD_BYTES`: larger job data (as JSON) is refused with `QueuePayloadTooLargeError`. @default 1048576 */
  maxPayloadBytes: number;
  /**
   * `QUEUE_EVICTION_CHECK`: `refuse` fails startup when `maxmemory-policy` can evict queue keys (anything but
   * `noeviction`), `warn` logs it, `off` skips the check. @default 'refuse'
   */
  evictionCheck: EvictionCheck;
  /**
   * `QUEUE_WORKER_GUARD_INTERVAL_MS`: how often each worker is checked for being idle while jobs wait (then it
   * is woken, its blocking connection reset, and as a last resort it is replaced). `0` turns the guard off. @default 5000
   */
  workerGuardIntervalMs: number;
}

/**
 * A durable add's `WAIT` blocks the producer connection for up to QUEUE_DURABLE_TIMEOUT_MS: the connection's
 * command timeout must exceed it by the deadline sweep's granularity (up to 100 ms) and a round trip.
 */
export const WAIT_MARGIN_MS = 200;

const EVICTION_CHECKS: readonly EvictionCheck[] = ['refuse', 'warn', 'off'];
const HASH_TAG = /\{[^{}]+\}/;
/** BullMQ refuses `:` in queue names (it separates key parts). */
const QUEUE_NAME = /^[A-Za-z0-9._-]{1,100}$/;

export function isValidQueueName(name: string): boolean {
  return QUEUE_NAME.test(name);
}

type IntKey = {
  [K in keyof QueueConfig]: QueueConfig[K] extends number ? K : never;
}[keyof QueueConfig];
type IntSpec = [key: IntKey, env: string, min: number, max: number | undefined, fallback: number];

/** Numbers, each with its variable, bounds and default. Minimums are what BullMQ or Redis accept. */
const INTS: readonly IntSpec[] = [
  ['lockDurationMs', 'QUEUE_LOCK_DURATION_MS', 1000, undefined, 30_000],
  ['stalledIntervalMs', 'QUEUE_STALLED_INTERVAL_MS', 1000, undefined, 30_000],
  ['maxStalledCount', 'QUEUE_MAX_STALLED_COUNT', 0, 1000, 1],
  ['durableReplicas', 'QUEUE_DURABLE_REPLICAS', 1, 100, 1],
  ['durableTimeoutMs', 'QUEUE_DURABLE_TIMEOUT_MS', 10, 60_000, 1000],
  ['addTimeoutMs', 'QUEUE_ADD_TIMEOUT_MS', 0, 2 ** 31 - 1, 0],
  ['shutdownTimeoutMs', 'QUEUE_SHUTDOWN_TIMEOUT_MS', 0, 3_600_000, 10_000],
  ['maxPayloadBytes', 'QUEUE_MAX_PAYLOAD_BYTES', 1, 512 * 1024 * 1024, 1024 * 1024],
  ['workerGuardIntervalMs', 'QUEUE_WORKER_GUARD_INTERVAL_MS', 0, 3_600_000, 5000],
];

export function parseQueueConfig(reader: EnvReader, options: Partial<QueueConfig> = {}): QueueConfig {
  const config = {
    prefix: options.prefix ?? reader.string('QUEUE_PREFIX') ?? '{bull}',
    durableAdds: options.durableAdds ?? reader.bool('QUEUE_DURABLE_ADDS') ?? false,
    evictionCheck: options.evictionCheck ?? reader.oneOf('QUEUE_EVICTION_CHECK', EVICTION_CHECKS) ?? 'refuse',
  } as QueueConfig;
  for (const [key, env, min, max, fallback] of INTS) {
    const given = options[key];
    if (given !== undefined)
      reader.checkRange(`RedisHaQueueModule.registerQueue({ ${key} })`, given, min, max);
    config[key] = given ?? reader.int(env, { min, max }) ?? fallback;
  }
  validate(reader, config, options);
  return config;
}

/**
 * `QUEUE_NAMES` (comma separated): the queues `RedisHaModule.registerQueue()` registers when called with no
 * arguments. Read when the module is defined (providers are declared before any configuration loads), so it
 * comes from the environment only. Throws `RedisHaConfigError` for a name BullMQ would refuse.
 */
export function queueNamesFromEnv(env: Env = process.env): string[] {
  const reader = new EnvReader(env);
  const found = reader.raw('QUEUE_NAMES');
  const names = (found?.value ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const bad = names.filter((name) => !isValidQueueName(name));
  if (bad.length > 0) {
    reader.fail(
      'QUEUE_NAMES',
      `${bad.map((n) => `"${n}"`).join(', ')}: queue names are 1-100 of A-Z a-z 0-9 . _ - (BullMQ refuses ":")`,
    );
  }
  const dupe = names.find((name, i) => names.indexOf(name) !== i);
  if (dupe) reader.fail('QUEUE_NAMES', `lists "${dupe}" twice`);
  if (reader.problems.length > 0) throw new RedisHaConfigError(reader.problems);
  return names;
}

function validate(reader: EnvReader, config: QueueConfig, options: Partial<QueueConfig>): void {
  const setting = (key: keyof QueueConfig, env: string) =>
    options[key] !== undefined ? `RedisHaQueueModule.registerQueue({ ${key} })` : env;
  if (!HASH_TAG.test(config.prefix) || config.prefix.includes(' ')) {
    reader.fail(
      setting('prefix', 'QUEUE_PREFIX'),
      `"${config.prefix}" needs a hash tag such as {bull} (and no spaces), so every key of a queue maps to one Redis Cluster slot`,
    );
  }
  if (config.addTimeoutMs > 0 && config.addTimeoutMs < config.durableTimeoutMs + WAIT_MARGIN_MS) {
    reader.fail(
      setting('addTimeoutMs', 'QUEUE_ADD_TIMEOUT_MS'),
      `${config.addTimeoutMs} must be at least QUEUE_DURABLE_TIMEOUT_MS + ${WAIT_MARGIN_MS} (${config.durableTimeoutMs + WAIT_MARGIN_MS}), or a durable add's WAIT is cut`,
    );
  }
  if (options.evictionCheck !== undefined && !EVICTION_CHECKS.includes(options.evictionCheck)) {
    reader.fail(
      'RedisHaQueueModule.registerQueue({ evictionCheck })',
      `must be one of ${EVICTION_CHECKS.join(' | ')}`,
    );
  }
}
