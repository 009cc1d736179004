import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Logger,
  NotFoundException,
  Param,
  Post,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { QueueAddNotDurableError, jobIdFor, type RedisHaQueue } from '@app/redis-ha/queue';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';
import { SAMPLE_CONFIG, type SampleConfig } from '../config/sample.config';
import { ThrottledWarning } from '../logging/throttled-warning';
import type { MonthlyReport } from './compute-report';
import { parseReportRequest } from './report-request';
import { REPORTS_QUEUE, REPORT_JOB } from './reports.constants';
import { withinRetryWindow } from './retry-window';

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
 * accepted report survives a failover); `GET /reports/:id` shows where it is. While Redis cannot answer (a
 * failover, an outage) both retry for `REPORTS_RETRY_WINDOW_MS`, then answer 503 with `Retry-After`.
 */
@Controller('reports')
export class ReportsController {
  private readonly logger = new Logger(ReportsController.name);
  private readonly warning = new ThrottledWarning(this.logger);

  constructor(
    @InjectQueue(REPORTS_QUEUE) private readonly queue: RedisHaQueue,
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
  ) {}

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
    // The job id is fixed before the first attempt, so a retried add (here, or a client's retry with the same
    // Idempotency-Key) finds the job an earlier attempt created instead of adding a second one.
    const jobId = idempotencyKey === undefined ? randomUUID() : jobIdFor(idempotencyKey);
    try {
      const job = await withinRetryWindow(this.config.reportsRetryWindowMs, () =>
        this.queue.add(REPORT_JOB, { month }, { jobId }),
      );
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
      report = await withinRetryWindow(this.config.reportsRetryWindowMs, () => this.read(id));
    } catch (err) {
      throw this.unavailable(res, err, `read report ${id}`);
    }
    if (!report) throw new NotFoundException(`report "${id.slice(0, 200)}" not found`);
    return report;
  }

  private async read(id: string): Promise<ReportStatus | undefined> {
    // State first: BullMQ moves a job to completed and stores its result in one script, so a job read after
    // its state was `completed` has its result (read the other way round, it may not yet).
    const state = await this.queue.getJobState(id);
    const job = state === 'unknown' ? undefined : await this.queue.getJob(id);
    if (!job) return undefined;
    return {
      id,
      state: state === 'completed' || state === 'failed' || state === 'active' ? state : 'waiting',
      result: (job.returnvalue as MonthlyReport | null) ?? undefined,
      failedReason: state === 'failed' ? job.failedReason : undefined,
      finishedOn: job.finishedOn,
    };
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
