/** One public holiday. */
export interface Holiday {
  /** `YYYY-MM-DD` */
  date: string;
  name: string;
}

/** The years the calendar answers for (the Gregorian Easter rule below holds for all of them). */
export const FIRST_YEAR = 1900;
export const LAST_YEAR = 2100;

const iso = (d: Date): string => d.toISOString().slice(0, 10);
const day = (year: number, month: number, date: number): Date => new Date(Date.UTC(year, month - 1, date));
const plusDays = (d: Date, days: number): Date => new Date(d.getTime() + days * 86_400_000);

/** Easter Sunday (Gregorian, the anonymous "Meeus/Jones/Butcher" algorithm). */
export function easterSunday(year: number): Date {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const date = ((h + l - 7 * m + 114) % 31) + 1;
  return day(year, month, date);
}

/**
 * The public holidays of the sample's (made-up, Western European looking) country in `year`, by date. What
 * the slow source "computes": the point of the sample is the cache in front of it, not the calendar.
 */
export function holidaysOf(year: number): Holiday[] {
  const easter = easterSunday(year);
  const list: Array<[Date, string]> = [
    [day(year, 1, 1), "New Year's Day"],
    [plusDays(easter, -2), 'Good Friday'],
    [plusDays(easter, 1), 'Easter Monday'],
    [day(year, 5, 1), 'Labour Day'],
    [plusDays(easter, 39), 'Ascension Day'],
    [plusDays(easter, 50), 'Whit Monday'],
    [day(year, 11, 1), "All Saints' Day"],
    [day(year, 12, 25), 'Christmas Day'],
    [day(year, 12, 26), "St Stephen's Day"],
  ];
  return list.map(([date, name]) => ({ date: iso(date), name })).sort((x, y) => x.date.localeCompare(y.date));
}
