import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Logger,
  NotFoundException,
  Param,
  Post,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { QueueAddNotDurableError, jobIdFor, type RedisHaQueue } from '@app/redis-ha';
import type { Response } from 'express';
import { ThrottledWarning } from '../logging/throttled-warning';
import type { MonthlyReport } from './compute-report';
import { parseReportRequest } from './report-request';
import { REPORTS_QUEUE, REPORT_JOB } from './reports.constants';

/** What `GET /reports/:id` answers. */
export interface ReportStatus {
  id: string;
  state: 'waiting' | 'active' | 'completed' | 'failed';
  result?: MonthlyReport;
  failedReason?: string;
  /** When the job finished (ms since the epoch), once completed or failed. */
  finishedOn?: number;
}

/**
 * `POST /reports` queues a report with a durable add (the 202 is sent once a replica has the job, so an
 * accepted report survives a failover); `GET /reports/:id` shows where it is. While Redis cannot take the
 * add (a failover, an outage), the queue's producer fails fast and this answers 503 with `Retry-After`.
 */
@Controller('reports')
export class ReportsController {
  private readonly logger = new Logger(ReportsController.name);
  private readonly warning = new ThrottledWarning(this.logger);

  constructor(@InjectQueue(REPORTS_QUEUE) private readonly queue: RedisHaQueue) {}

  @Post()
  @HttpCode(202)
  async create(
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ id: string }> {
    const { month } = parseReportRequest(body);
    if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > 200)) {
      throw new BadRequestException('Idempotency-Key must be 1-200 characters');
    }
    try {
      // A retried request with the same Idempotency-Key finds its job instead of adding a second one.
      const jobId = idempotencyKey === undefined ? undefined : jobIdFor('report', idempotencyKey);
      const job = await this.queue.add(REPORT_JOB, { month }, { jobId });
      res.setHeader('Location', `/reports/${encodeURIComponent(job.id!)}`);
      return { id: job.id! };
    } catch (err) {
      throw this.unavailable(res, err, 'queue the report');
    }
  }

  @Get(':id')
  async status(@Param('id') id: string, @Res({ passthrough: true }) res: Response): Promise<ReportStatus> {
    let report: ReportStatus | undefined;
    try {
      const job = await this.queue.getJob(id);
      if (job) {
        const state = await job.getState();
        report = {
          id,
          state: state === 'completed' || state === 'failed' || state === 'active' ? state : 'waiting',
          result: (job.returnvalue as MonthlyReport | null) ?? undefined,
          failedReason: state === 'failed' ? job.failedReason : undefined,
          finishedOn: job.finishedOn,
        };
      }
    } catch (err) {
      throw this.unavailable(res, err, `read report ${id}`);
    }
    if (!report) throw new NotFoundException(`report "${id.slice(0, 200)}" not found`);
    return report;
  }

  private unavailable(res: Response, err: unknown, what: string): ServiceUnavailableException {
    const message = err instanceof Error ? err.message : String(err);
    this.warning.warn(`could not ${what}: ${message}`);
    res.setHeader('Retry-After', '1');
    if (err instanceof QueueAddNotDurableError) {
      return new ServiceUnavailableException(
        `report ${err.jobId} was queued but no replica confirmed it in time, so it could be lost in a failover: ` +
          'retry (send an Idempotency-Key header to retry without a duplicate)',
      );
    }
    return new ServiceUnavailableException(
      `cannot ${what} right now (Redis failover or outage): retry shortly`,
    );
  }
}
