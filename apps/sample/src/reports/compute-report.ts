import { holidaysOf } from '../holidays/holiday-calendar';

/** What a finished report job returns (and `GET /reports/:id` shows as `result`). */
export interface MonthlyReport {
  month: string;
  days: number;
  weekendDays: number;
  holidays: string[];
  businessDays: number;
  /** Which process computed it. */
  computedBy: string;
  computedAt: string;
}

/** The business days of `month` (`YYYY-MM`): its days minus weekends and public holidays on weekdays. */
export function computeReport(month: string): MonthlyReport {
  const [year, mon] = month.split('-').map(Number);
  const days = new Date(Date.UTC(year, mon, 0)).getUTCDate();
  const holidays = holidaysOf(year).filter((h) => h.date.startsWith(`${month}-`));
  const holidayDates = new Set(holidays.map((h) => h.date));
  let weekendDays = 0;
  let businessDays = 0;
  for (let d = 1; d <= days; d++) {
    const date = new Date(Date.UTC(year, mon - 1, d));
    const weekend = date.getUTCDay() === 0 || date.getUTCDay() === 6;
    if (weekend) weekendDays++;
    else if (!holidayDates.has(date.toISOString().slice(0, 10))) businessDays++;
  }
  return {
    month,
    days,
    weekendDays,
    holidays: holidays.map((h) => `${h.date} ${h.name}`),
    businessDays,
    computedBy: `pid ${process.pid}`,
    computedAt: new Date().toISOString(),
  };
}
