import type { Registry } from 'prom-client';

export type Labels = Record<string, string | number>;

/** One line of a metric: `name{labels} value`. `metricName` overrides the name (`_bucket`, `_sum`, `_count`). */
export interface Sample {
  labels?: Labels;
  value: number;
  metricName?: string;
}

export type MetricType = 'counter' | 'gauge' | 'histogram';

/**
 * A metric whose samples are read when Prometheus scrapes, from state the library keeps anyway (client status,
 * cache counters, job counts). prom-client's registry accepts any object with `name`, `help`, `type` and
 * `get()`; this saves mirroring every value into a prom-client Counter/Gauge on the hot path.
 */
export class CallbackMetric {
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    private readonly read: () => Sample[] | Promise<Sample[]>,
  ) {}

  async get(): Promise<{
    name: string;
    help: string;
    type: MetricType;
    values: Sample[];
    aggregator: string;
  }> {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      values: await this.read(),
      aggregator: this.aggregator,
    };
  }

  /** `reset()` is called by `registry.resetMetrics()`; the source owns the values, so nothing to do. */
  reset(): void {}
}

export function register(registry: Registry, metric: CallbackMetric): void {
  registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
}

/**
 * The buckets of one histogram series, filled without label lookups: the caller keeps the series and calls
 * `observe()`, two array writes and a short scan. Counts are per bucket, made cumulative when scraped.
 */
export class HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  /** Records `value`; `weight` > 1 when one sampled observation stands for that many. */
  observe(value: number, weight = 1): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    if (i < bounds.length) this.counts[i] += weight;
    this.sum += value * weight;
    this.count += weight;
  }

  /** Prometheus' `_bucket{le}`, `_sum` and `_count` lines of this series. */
  samples(name: string, labels: Labels): Sample[] {
    const out: Sample[] = [];
    let cumulative = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      cumulative += this.counts[i];
      out.push({
        metricName: `${name}_bucket`,
        labels: { ...labels, le: this.bounds[i] },
        value: cumulative,
      });
    }
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: this.count });
    out.push({ metricName: `${name}_sum`, labels, value: this.sum });
    out.push({ metricName: `${name}_count`, labels, value: this.count });
    return out;
  }
}
