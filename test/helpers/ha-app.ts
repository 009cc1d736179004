import { ConsoleLogger, INestApplication, LoggerService, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { RedisHaModule, RedisHaModuleOptions } from '@app/redis-ha';

/** A Nest logger that keeps every line, so tests can assert what the library logged (and what it did not). */
export class CapturingLogger extends ConsoleLogger implements LoggerService {
  readonly lines: string[] = [];

  constructor(private readonly echo = false) {
    super();
  }

  override log(message: unknown, ...rest: unknown[]): void {
    this.keep('log', message, rest);
  }
  override warn(message: unknown, ...rest: unknown[]): void {
    this.keep('warn', message, rest);
  }
  override error(message: unknown, ...rest: unknown[]): void {
    this.keep('error', message, rest);
  }

  private keep(level: 'log' | 'warn' | 'error', message: unknown, rest: unknown[]): void {
    this.lines.push(`${level} ${String(message)} ${rest.map(String).join(' ')}`);
    if (this.echo) super[level](message, ...rest);
  }
}

/** Boots a Nest app that imports `RedisHaModule.forRoot(options)` (plus `extra` metadata) and inits it. */
export async function startHaApp(
  options: RedisHaModuleOptions,
  extra: ModuleMetadata = {},
  logger: LoggerService | false = new CapturingLogger(),
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [RedisHaModule.forRoot(options), ...(extra.imports ?? [])],
    providers: extra.providers ?? [],
    controllers: extra.controllers ?? [],
  })
    .setLogger(logger === false ? new CapturingLogger() : logger)
    .compile();
  const app = moduleRef.createNestApplication({ logger: logger === false ? false : logger });
  await app.init();
  return app;
}
