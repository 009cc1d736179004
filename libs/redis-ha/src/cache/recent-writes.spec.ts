import { RecentWrites } from './recent-writes';

describe('RecentWrites (read-your-writes)', () => {
  it('remembers a key for the window, then forgets it', () => {
    let now = 0;
    const recent = new RecentWrites(2000, 100, () => now);
    recent.note('a');
    now = 1999;
    expect(recent.has('a')).toBe(true);
    now = 2000;
    expect(recent.has('a')).toBe(false);
    expect(recent.size).toBe(0);
  });

  it('a new note extends the window', () => {
    let now = 0;
    const recent = new RecentWrites(100, 100, () => now);
    recent.note('a');
    now = 90;
    recent.note('a');
    now = 150;
    expect(recent.has('a')).toBe(true);
  });

  it('stays bounded, dropping the oldest notes first, and prunes expired ones as it goes', () => {
    let now = 0;
    const recent = new RecentWrites(1000, 3, () => now);
    for (const key of ['a', 'b', 'c', 'd']) recent.note(key);
    expect(recent.size).toBe(3);
    expect(recent.has('a')).toBe(false);
    expect(recent.has('d')).toBe(true);
    now = 5000;
    recent.note('e');
    expect(recent.size).toBe(1);
  });

  it('a window of 0 notes nothing', () => {
    const recent = new RecentWrites(0);
    recent.note('a');
    expect(recent.has('a')).toBe(false);
  });
});
