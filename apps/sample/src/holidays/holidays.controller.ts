import { Controller, Get, Param, Res } from '@nestjs/common';
import { RedisHaCache } from '@app/redis-ha/cache';
import type { Response } from 'express';
import { HolidaysSource, type HolidaysOfYear } from './holidays.source';
import { ParseYearPipe } from './parse-year.pipe';

/**
 * `GET /holidays/:year`: the slow source behind the cache namespace `holidays` (TTL `CACHE_TTL_HOLIDAYS`).
 * `x-cache` says where the answer came from: `hit` / `miss` (Redis), `fallback` (Redis unreachable: the
 * in-memory fallback answered, or the source did and the result went to the fallback).
 */
@Controller('holidays')
export class HolidaysController {
  constructor(
    private readonly cache: RedisHaCache,
    private readonly source: HolidaysSource,
  ) {}

  @Get(':year')
  async holidays(
    @Param('year', ParseYearPipe) year: number,
    @Res({ passthrough: true }) res: Response,
  ): Promise<HolidaysOfYear> {
    // Concurrent misses of one year share one call to the source (single-flight), hot years are refreshed
    // shortly before they expire, and a Redis outage never fails the request: wrap() falls back.
    const { value, status } = await this.cache
      .namespace('holidays')
      .wrap(String(year), () => this.source.load(year));
    res.setHeader('x-cache', status);
    return value;
  }
}
