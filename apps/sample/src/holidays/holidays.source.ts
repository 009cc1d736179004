import { Inject, Injectable } from '@nestjs/common';
import { Counter, register } from 'prom-client';
import { SAMPLE_CONFIG, type SampleConfig } from '../config/sample.config';
import { holidaysOf, type Holiday } from './holiday-calendar';

/** What `GET /holidays/:year` answers. */
export interface HolidaysOfYear {
  year: number;
  holidays: Holiday[];
  /** When the slow source produced this answer (an older time on a cache hit). */
  loadedAt: string;
}

/**
 * The slow upstream the cache protects: a stand-in for a third-party calendar API that takes
 * `HOLIDAYS_SOURCE_DELAY_MS` (200 ms) per call. `sample_holidays_source_loads_total` counts the calls, so
 * `/metrics` shows how many the cache saved.
 */
@Injectable()
export class HolidaysSource {
  private readonly loads = counter();

  constructor(@Inject(SAMPLE_CONFIG) private readonly config: SampleConfig) {}

  async load(year: number): Promise<HolidaysOfYear> {
    this.loads.inc();
    await new Promise((resolve) => setTimeout(resolve, this.config.holidaysDelayMs));
    return { year, holidays: holidaysOf(year), loadedAt: new Date().toISOString() };
  }
}

/**
 * On prom-client's default registry, which the library's `GET /metrics` appends to its own scrape. Shared by
 * every app instance of the process (tests start several): prom-client refuses a second metric of one name.
 */
function counter(): Counter {
  const name = 'sample_holidays_source_loads_total';
  return (
    (register.getSingleMetric(name) as Counter | undefined) ??
    new Counter({ name, help: 'Calls to the slow holidays source (cache misses and fallback misses)' })
  );
}
