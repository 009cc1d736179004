import { Inject, Logger } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { SAMPLE_CONFIG, type SampleConfig } from '../config/sample.config';
import { ThrottledWarning } from '../logging/throttled-warning';
import { computeReport, type MonthlyReport } from './compute-report';
import type { ReportRequest } from './report-request';
import { REPORTS_QUEUE } from './reports.constants';

/**
 * The worker of the `reports` queue. The library builds it on its blocking connection with the `QUEUE_*` lock
 * settings, returns jobs a failover interrupted to the queue, and drains it on shutdown
 * (`QUEUE_SHUTDOWN_TIMEOUT_MS`). The result is the job's return value: BullMQ stores it with the job.
 */
@Processor(REPORTS_QUEUE, { concurrency: 10 })
export class ReportsProcessor extends WorkerHost {
  private readonly logger = new Logger(ReportsProcessor.name);
  private readonly connectionWarning = new ThrottledWarning(this.logger);

  constructor(@Inject(SAMPLE_CONFIG) private readonly config: SampleConfig) {
    super();
  }

  async process(job: Job<ReportRequest>): Promise<MonthlyReport> {
    // "A few ms of work": the stand-in for a query and some arithmetic.
    await new Promise((resolve) => setTimeout(resolve, this.config.reportWorkMs));
    return computeReport(job.data.month);
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, err: Error): void {
    this.logger.warn(`report ${job?.id} attempt ${job?.attemptsMade} failed: ${err.message}`);
  }

  /**
   * Connection errors of the worker (every failover has some; the library reconnects it). Without a listener
   * BullMQ prints each one with its stack to the console.
   */
  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.connectionWarning.warn(`worker connection: ${err.message}`);
  }
}
