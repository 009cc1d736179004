/** What the controller needs from Redis to decide that the cache may return to it. */
export interface RedisRecovery {
  /** Resolves when Redis accepts a write again (bounded by the client's command timeout). */
  probe(): Promise<void>;
  /** Deletes these logical keys from Redis. */
  invalidate(keys: string[]): Promise<void>;
}
