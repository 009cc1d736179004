import type { Cluster } from 'ioredis';
import type { DurableWriteResult } from './durable-result';

/** Errors of a `SET` that mean "not this node now" (the slot moved or its shard is failing over): send again. */
const REROUTED = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN)\b|Connection is closed/;

/**
 * A durable write on a Redis Cluster: `SET key value PX ttl` and `WAIT required timeout` in one pipeline, so that
 * the `WAIT` counts the replicas of the node that ran the `SET`: the key's own shard.
 *
 * Why a pipeline and not the epoch of `durableSet`, nor the owner's node client taken from the slot table: ioredis
 * routes a cluster pipeline by its keys (`WAIT` has none: the pipeline goes where `SET key` goes) and writes both
 * commands to that one node connection in one go. A node connection of our clusters never reconnects
 * (`clusterNodeRetryStrategy` is unset: a lost node is dropped and a new connection made), so the two replies
 * came over one connection, in order. When the slot moves mid-call, ioredis sends the whole pipeline again
 * (connection closed, CLUSTERDOWN, TRYAGAIN: the same error on both) or hands back a `SET` error (MOVED while the
 * old node's `WAIT` answered), never a `SET` of one node with a `WAIT` of another. A client taken from the slot
 * table would be right only until the table changes, and ioredis would not follow a MOVED for it.
 *
 * A `SET` that failed because of routing, or a `WAIT` that failed after its `SET` ran (the node died in between:
 * the write may be lost), is sent again (SET is idempotent) until `deadline`, then reported `connection-changed`;
 * any other error (a timeout: Redis unreachable) rejects, as `durableSet` does.
 */
export async function durableSetOnCluster(
  cluster: Cluster,
  key: string,
  value: string,
  ttlMs: number,
  required: number,
  waitTimeoutMs: number,
  deadline: number,
): Promise<DurableWriteResult> {
  for (let attempts = 1; ; attempts++) {
    // WAIT 0 would block forever: always give it at least 1 ms.
    const waitMs = Math.max(1, Math.min(waitTimeoutMs, deadline - Date.now()));
    const replies = await cluster.pipeline().set(key, value, 'PX', ttlMs).wait(required, waitMs).exec();
    const setError = replies?.[0]?.[0] ?? (replies ? null : new Error('Connection is closed'));
    const [waitError, replicas] = replies?.[1] ?? [new Error('no reply to WAIT')];
    if (setError && !REROUTED.test(setError.message)) throw setError;
    if (!setError && !waitError) {
      const confirmed = (replicas as number) >= required;
      return {
        confirmed,
        replicas: replicas as number,
        required,
        attempts,
        ...(confirmed ? {} : { reason: 'replicas-timeout' as const }),
      };
    }
    if (!setError && waitError && /timed out/i.test(waitError.message)) throw waitError;
    if (Date.now() >= deadline)
      return { confirmed: false, replicas: 0, required, attempts, reason: 'connection-changed' };
    await new Promise((resolve) => setTimeout(resolve, 50)); // the cluster's retry delay: let it learn the move
  }
}
