import { easterSunday, holidaysOf } from './holiday-calendar';

describe('holiday calendar', () => {
  it.each([
    [2024, '2024-03-31'],
    [2025, '2025-04-20'],
    [2026, '2026-04-05'],
    [2038, '2038-04-25'],
    [1943, '1943-04-25'],
  ])('puts Easter %i on %s', (year, date) => {
    expect(easterSunday(year).toISOString().slice(0, 10)).toBe(date);
  });

  it('lists the year by date, with the holidays that move with Easter', () => {
    const days = holidaysOf(2026);
    expect(days.map((d) => d.date)).toEqual([...days.map((d) => d.date)].sort());
    expect(days).toContainEqual({ date: '2026-04-06', name: 'Easter Monday' });
    expect(days).toContainEqual({ date: '2026-05-25', name: 'Whit Monday' });
    expect(days).toHaveLength(9);
  });
});
