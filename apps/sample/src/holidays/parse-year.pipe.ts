import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import { FIRST_YEAR, LAST_YEAR } from './holiday-calendar';

/** `:year` as a number, or a 400 that says what a good one looks like. */
@Injectable()
export class ParseYearPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const year = Number(value);
    if (!/^\d{4}$/.test(value) || year < FIRST_YEAR || year > LAST_YEAR) {
      throw new BadRequestException(
        `year must be a 4-digit year between ${FIRST_YEAR} and ${LAST_YEAR}, got "${value.slice(0, 20)}"`,
      );
    }
    return year;
  }
}
