import { BadRequestException } from '@nestjs/common';

/** The body of `POST /reports`. */
export interface ReportRequest {
  /** `YYYY-MM` */
  month: string;
}

const MONTH = /^(19\d\d|20\d\d|2100)-(0[1-9]|1[0-2])$/;

/** The validated request, or a 400 that says what a good body looks like. */
export function parseReportRequest(body: unknown): ReportRequest {
  const month = (body as { month?: unknown } | null | undefined)?.month;
  if (typeof month !== 'string' || !MONTH.test(month)) {
    const got = month === undefined ? 'no "month"' : `"month": ${JSON.stringify(month)?.slice(0, 40)}`;
    throw new BadRequestException(
      `the body must be JSON { "month": "YYYY-MM" } (years 1900-2100), got ${got}`,
    );
  }
  return { month };
}
