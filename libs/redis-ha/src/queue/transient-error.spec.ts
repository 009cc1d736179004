import { isLostOwnershipError, isTransientRedisError } from './transient-error';

describe('failover error classes', () => {
  it.each([
    'NOREPLICAS Not enough good replicas to write.',
    "READONLY You can't write against a read only replica.",
    'LOADING Redis is loading the dataset in memory',
    'MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to no.',
    'Command timed out',
    'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.',
    "Stream isn't writeable and enableOfflineQueue options is false",
    'Connection is closed.',
    'read ECONNRESET',
    'UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)',
  ])('"%s" is transient', (message) => {
    expect(isTransientRedisError(new Error(message))).toBe(true);
  });

  it.each([
    'ERR syntax error',
    'Missing lock for job 1. moveToFinished',
    'NOPERM this user has no permissions',
  ])('"%s" is not', (message) => {
    expect(isTransientRedisError(new Error(message))).toBe(false);
  });

  it('recognises the finish scripts saying the job is no longer ours', () => {
    for (const code of [-1, -2, -3, -6])
      expect(isLostOwnershipError(Object.assign(new Error('x'), { code }))).toBe(true);
    for (const code of [-4, -9, undefined])
      expect(isLostOwnershipError(Object.assign(new Error('x'), { code }))).toBe(false);
  });
});
