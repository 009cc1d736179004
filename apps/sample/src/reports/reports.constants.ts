/** The BullMQ queue of report jobs (`{bull}:reports:*` in Redis). */
export const REPORTS_QUEUE = 'reports';

/** The one job name on that queue. */
export const REPORT_JOB = 'monthly-report';
