import type { Command, Redis } from 'ioredis';
import type { RedisClient } from '../topology/topology';
import type { Registry } from 'prom-client';
import type { ConnectionRole } from '../config/connection-role';
import type { ExpiredCommands } from '../connection/command-deadline';
import { patchSendCommand } from '../internals/ioredis';
import { CallbackMetric, HistogramSeries, register, type Sample } from './callback-metric';

/** Roles whose command time is mostly waiting by design (BRPOP, SUBSCRIBE): no latency histogram for them. */
const WAITING_ROLES: ReadonlySet<ConnectionRole> = new Set(['blocking', 'subscriber']);

interface ClientStats {
  labels: { connection: string; role: ConnectionRole };
  clients: RedisClient[];
  latency: HistogramSeries;
  errors: number;
  losses: number;
  expired: ExpiredCommands[];
}

/**
 * Command latency, errors and connection state of every client the connection factory creates
 * (`addClientHook`). The hot path is one counter per command; one command in N (`METRICS_LATENCY_SAMPLE_EVERY`)
 * gets a closure and a bucket scan when it settles: no label
 * lookup, no prom-client call, so instrumented clients keep >= 0.95 of raw ioredis throughput.
 */
export class CommandMetrics {
  private readonly stats = new Map<string, ClientStats>();

  /** `sampleEvery`: time one command in N, each standing for N (see `METRICS_LATENCY_SAMPLE_EVERY`). */
  constructor(
    private readonly bounds: readonly number[],
    private readonly sampleEvery = 1,
  ) {}

  /** For `RedisHaConnectionFactory.addClientHook`. */
  readonly hook = (
    client: RedisClient,
    role: ConnectionRole,
    name: string,
    expired?: ExpiredCommands,
  ): void => {
    const key = `${name}\u0000${role}`;
    let stats = this.stats.get(key);
    if (!stats) {
      stats = {
        labels: { connection: name, role },
        clients: [],
        latency: new HistogramSeries(this.bounds),
        errors: 0,
        losses: 0,
        expired: [],
      };
      this.stats.set(key, stats);
    }
    if (stats.clients.includes(client)) return;
    stats.clients.push(client);
    if (expired) stats.expired.push(expired);
    watchLosses(client, stats);
    if (!WAITING_ROLES.has(role)) timeCommands(client, stats, this.sampleEvery);
  };

  registerOn(registry: Registry, prefix: string): void {
    const all = () => [...this.stats.values()];
    const duration = `${prefix}command_duration_seconds`;
    register(
      registry,
      new CallbackMetric(
        duration,
        'Time from sending a Redis command to its reply (or error), by connection and role; includes time queued during a failover',
        'histogram',
        () => all().flatMap((s) => s.latency.samples(duration, s.labels)),
      ),
    );
    register(
      registry,
      new CallbackMetric(
        `${prefix}command_errors_total`,
        'Redis commands that failed (error reply, timeout, connection closed), by connection and role',
        'counter',
        () => all().map((s): Sample => ({ labels: s.labels, value: s.errors })),
      ),
    );
    const sum = (s: ClientStats, outcome: keyof ExpiredCommands) =>
      s.expired.reduce((n, e) => n + e[outcome], 0);
    register(
      registry,
      new CallbackMetric(
        `${prefix}command_timeouts_total`,
        'Commands rejected by REDIS_COMMAND_TIMEOUT_MS, by outcome: not_sent (never written, did not run) or ' +
          'unknown (written, no reply: may have run)',
        'counter',
        () =>
          all().flatMap((s): Sample[] => [
            { labels: { ...s.labels, outcome: 'not_sent' }, value: sum(s, 'notSent') },
            { labels: { ...s.labels, outcome: 'unknown' }, value: sum(s, 'unknown') },
          ]),
      ),
    );
    register(
      registry,
      new CallbackMetric(
        `${prefix}connection_up`,
        '1 when every client of this connection is ready (connected and authenticated), else 0',
        'gauge',
        () =>
          all().map((s): Sample => ({
            labels: s.labels,
            value: s.clients.every((c) => c.status === 'ready') ? 1 : 0,
          })),
      ),
    );
    register(
      registry,
      new CallbackMetric(
        `${prefix}connection_losses_total`,
        'Times a ready connection was lost (failover, node down, network), by connection and role',
        'counter',
        () => all().map((s): Sample => ({ labels: s.labels, value: s.losses })),
      ),
    );
  }
}

function watchLosses(client: RedisClient, stats: ClientStats): void {
  let ready = client.status === 'ready';
  client.on('ready', () => (ready = true));
  client.on('close', () => {
    if (ready) stats.losses++;
    ready = false;
  });
}

/** Name of the resolve wrapper: how a command already timed is recognised when ioredis sends it again. */
const TIMED = 'redisHaTimedResolve';

/**
 * Wraps `sendCommand` of this one client so each command's resolve/reject records its latency. ioredis sends
 * a command again through `sendCommand` when it flushes its offline queue or resends unanswered commands after
 * a reconnect (a failover): such a command is recognised by its wrapped resolve (a function name, cheaper than
 * a WeakSet or a property added to every Command) and timed once, from when the caller issued it.
 * (Why not ioredis' `ioredis:command` tracing channel: see `patchSendCommand` in internals/ioredis.ts.)
 */
function timeCommands(client: RedisClient, stats: ClientStats, every: number): void {
  const latency = stats.latency;
  let seen = 0;
  // A Cluster's sendCommand takes a third argument (the node of a retry), passed on untouched; a Cluster is timed
  // as the caller sees it: from the call to the reply, through its redirections and retries.
  patchSendCommand(client as Redis, (original) => {
    const send = original as (this: Redis, command: Command, stream?: unknown, node?: unknown) => unknown;
    return function timedSendCommand(this: Redis, command: Command, stream?: unknown, node?: unknown) {
      // Untimed commands take this path: one counter, no closure (timing every command costs ~6 % throughput).
      if (++seen < every) return send.call(this, command, stream, node);
      const resolve = command.resolve;
      if (resolve.name === TIMED) return send.call(this, command, stream, node);
      seen = 0;
      const reject = command.reject;
      const start = performance.now();
      command.resolve = function redisHaTimedResolve(value: unknown) {
        latency.observe((performance.now() - start) / 1000, every);
        resolve(value);
      };
      command.reject = (err: Error) => {
        latency.observe((performance.now() - start) / 1000, every);
        stats.errors += every;
        reject(err);
      };
      return send.call(this, command, stream, node);
    };
  });
}
