/**
 * Errors that mean "the master is changing", not "this job is wrong": the command may succeed if sent again
 * once the failover settles. BullMQ retries only `Connection is closed.` and ECONNREFUSED; everything else that
 * fails a completion becomes a job failure whose own write fails too, leaving the job in `active` until the
 * stalled checker finds it (up to lockDuration + stalledInterval later).
 */
const TRANSIENT = [
  /^NOREPLICAS/, // an orphaned or freshly promoted master without a replica yet (min-replicas-to-write)
  /^READONLY/, // a demoted master (now a replica)
  /^LOADING/, // a node loading its dataset after a restart
  /^MASTERDOWN/, // a replica whose master link is down
  /^TRYAGAIN/,
  /^UNBLOCKED/, // a blocking command (BZPOPMIN, XREAD BLOCK) on a primary that just turned replica
  /Command timed out/,
  /Reached the max retries per request limit/, // MaxRetriesPerRequestError
  /Stream isn't writeable/, // offline queue disabled and no connection
  /Connection is closed/,
  /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT/,
  /All sentinels are unreachable|Sentinels could not name/,
];

export function isTransientRedisError(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return TRANSIENT.some((re) => re.test(message));
}

/** BullMQ's finish scripts: the job is gone (-1), its lock is gone (-2), it is not active (-3), someone else holds it (-6). */
export function isLostOwnershipError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === -1 || code === -2 || code === -3 || code === -6;
}
