import { jobIdFor } from './job-id';

describe('jobIdFor', () => {
  it.each<[Array<string | number>, string]>([
    [['invoice', 42], 'invoice/42'],
    [['user', 'a/b', 'c:d'], 'user/a%2Fb/c%3Ad'],
    [[42], 'k/42'], // BullMQ refuses ids that look like its own numeric ids
    [['report', 'é'], 'report/%C3%A9'],
  ])('%j -> %s', (parts, id) => {
    expect(jobIdFor(...parts)).toBe(id);
  });

  it('is stable, and hashes long keys', () => {
    const long = 'x'.repeat(300);
    expect(jobIdFor('a', long)).toBe(jobIdFor('a', long));
    expect(jobIdFor('a', long)).toMatch(/^h\/[0-9a-f]{64}$/);
    expect(jobIdFor('a', long)).not.toBe(jobIdFor('b', long));
  });

  it('never produces a ":" (BullMQ reserves it) and needs a key', () => {
    expect(jobIdFor('a:b', 'c:d:e')).not.toContain(':');
    expect(() => jobIdFor()).toThrow(/needs at least one part/);
  });
});
