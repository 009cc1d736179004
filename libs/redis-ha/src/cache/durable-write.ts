import { isCluster } from '../topology/topology';
import { durableSetOnCluster } from './durable-cluster';
import type { DurableWriteResult } from './durable-result';
import type { TrackedClient } from './tracked-client';

export type { DurableWriteResult } from './durable-result';

/**
 * `SET key value PX ttl` then `WAIT required timeout`, sent back to back, confirmed only when both replies came
 * over the same connection (same epoch). `WAIT` cannot run inside MULTI, and ioredis resends unanswered
 * commands after a reconnect, so a `WAIT` alone could land on a fresh connection and confirm nothing: such a
 * pair is sent again (SET is idempotent) until `deadline`. A failed or timed-out command rejects: the caller
 * treats it as Redis being unreachable. On a cluster: `durableSetOnCluster`.
 */
export async function durableSet(
  conn: TrackedClient,
  key: string,
  value: string,
  ttlMs: number,
  required: number,
  waitTimeoutMs: number,
  deadline: number,
): Promise<DurableWriteResult> {
  const client = conn.client;
  if (isCluster(client))
    return durableSetOnCluster(client, key, value, ttlMs, required, waitTimeoutMs, deadline);
  for (let attempts = 1; ; attempts++) {
    // WAIT 0 would block forever: always give it at least 1 ms.
    const waitMs = Math.max(1, Math.min(waitTimeoutMs, deadline - Date.now()));
    let setEpoch = -1;
    let waitEpoch = -2;
    const set = client.set(key, value, 'PX', ttlMs).then((reply) => ((setEpoch = conn.epoch), reply));
    const wait = client.wait(required, waitMs).then((n) => ((waitEpoch = conn.epoch), n));
    const [, replicas] = await Promise.all([set, wait]);
    if (setEpoch === waitEpoch) {
      const confirmed = replicas >= required;
      return {
        confirmed,
        replicas,
        required,
        attempts,
        ...(confirmed ? {} : { reason: 'replicas-timeout' as const }),
      };
    }
    if (Date.now() >= deadline)
      return { confirmed: false, replicas: 0, required, attempts, reason: 'connection-changed' };
  }
}
