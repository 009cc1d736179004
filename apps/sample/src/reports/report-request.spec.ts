import { BadRequestException } from '@nestjs/common';
import { computeReport } from './compute-report';
import { parseReportRequest } from './report-request';

describe('parseReportRequest', () => {
  it('accepts { month: "YYYY-MM" }', () => {
    expect(parseReportRequest({ month: '2026-05', extra: true })).toEqual({ month: '2026-05' });
  });

  it.each([
    [{ month: '2026-13' }],
    [{ month: '2026-5' }],
    [{ month: 202605 }],
    [{}],
    [null],
    [[]],
    ['2026-05'],
  ])('refuses %j with a 400 that shows the expected shape', (body) => {
    expect(() => parseReportRequest(body)).toThrow(BadRequestException);
    expect(() => parseReportRequest(body)).toThrow(/\{ "month": "YYYY-MM" \}/);
  });
});

describe('computeReport', () => {
  it('counts business days: weekdays minus the holidays on weekdays', () => {
    // May 2026: 31 days, 10 weekend days, Labour Day (Fri), Ascension (Thu), Whit Monday.
    expect(computeReport('2026-05')).toMatchObject({ days: 31, weekendDays: 10, businessDays: 18 });
    // December 2026: Christmas on a Friday, St Stephen's Day on a Saturday.
    expect(computeReport('2026-12')).toMatchObject({ days: 31, weekendDays: 8, businessDays: 22 });
    expect(computeReport('2024-02')).toMatchObject({ days: 29 });
  });
});
