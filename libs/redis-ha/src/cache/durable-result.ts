/** Outcome of a durable write (`CACHE_WAIT_REPLICAS`). */
export interface DurableWriteResult {
  /**
   * True when `replicas >= required`, counted by a `WAIT` answered on the connection that carried the `SET` (on a
   * cluster: of the node that owns the key's slot, see `durableSetOnCluster`).
   */
  confirmed: boolean;
  /** Replicas that confirmed the write (0 when no attempt could be confirmed). */
  replicas: number;
  required: number;
  /** `SET`+`WAIT` pairs sent: more than 1 when a reconnect split a pair over two connections. */
  attempts: number;
  /** Why it is not confirmed: the replicas did not answer in time, or every attempt was split by a reconnect. */
  reason?: 'replicas-timeout' | 'connection-changed';
}
