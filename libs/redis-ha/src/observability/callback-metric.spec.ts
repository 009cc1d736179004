import { Registry } from 'prom-client';
import { CallbackMetric, HistogramSeries, register } from './callback-metric';

describe('HistogramSeries', () => {
  it('counts each value in the first bucket it fits, cumulative when scraped, with +Inf, sum and count', () => {
    const series = new HistogramSeries([0.1, 1]);
    for (const v of [0.05, 0.1, 0.5, 3]) series.observe(v);
    expect(series.samples('h', { role: 'writer' })).toEqual([
      { metricName: 'h_bucket', labels: { role: 'writer', le: 0.1 }, value: 2 },
      { metricName: 'h_bucket', labels: { role: 'writer', le: 1 }, value: 3 },
      { metricName: 'h_bucket', labels: { role: 'writer', le: '+Inf' }, value: 4 },
      { metricName: 'h_sum', labels: { role: 'writer' }, value: 3.65 },
      { metricName: 'h_count', labels: { role: 'writer' }, value: 4 },
    ]);
  });
});

describe('CallbackMetric', () => {
  it('is read when the registry is scraped, in the Prometheus text format', async () => {
    let value = 1;
    const registry = new Registry();
    register(
      registry,
      new CallbackMetric('x_total', 'Things.', 'counter', () => [{ labels: { a: 'b' }, value }]),
    );
    value = 5;
    expect(await registry.metrics()).toBe(
      '# HELP x_total Things.\n# TYPE x_total counter\nx_total{a="b"} 5\n',
    );
  });
});
