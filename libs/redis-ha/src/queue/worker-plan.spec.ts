import type { Worker, WorkerOptions } from 'bullmq';
import { plannedOptions, type WorkerPlan } from './worker-plan';

describe('worker plans', () => {
  const connection = { host: 'lib', maxRetriesPerRequest: null };
  const plan: WorkerPlan = {
    queueName: 'reports',
    eventsConnection: { host: 'lib' },
    connection,
    prefix: '{bull}',
    defaults: { lockDuration: 12_000, stalledInterval: 7000, concurrency: 2 },
    shutdownTimeoutMs: 1000,
    adopt: () => undefined,
  };

  it('puts the @Processor() options over the library defaults, and the library connection and prefix over all', () => {
    const options = {
      concurrency: 8,
      prefix: 'other',
      connection: { host: 'x' },
    } as unknown as WorkerOptions;
    expect(plannedOptions(plan, options)).toEqual({
      lockDuration: 12_000,
      stalledInterval: 7000,
      concurrency: 8,
      prefix: '{bull}',
      connection,
    });
  });

  it('adopt receives the worker', () => {
    const adopted: Worker[] = [];
    const withAdopt = { ...plan, adopt: (w: Worker) => adopted.push(w) };
    withAdopt.adopt({} as Worker);
    expect(adopted).toHaveLength(1);
  });
});
