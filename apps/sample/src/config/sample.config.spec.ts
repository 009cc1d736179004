import { levelsFrom, loadSampleConfig } from './sample.config';

describe('loadSampleConfig', () => {
  it('has the documented defaults', () => {
    expect(loadSampleConfig({})).toEqual({
      port: 3000,
      holidaysDelayMs: 200,
      reportWorkMs: 5,
      reportsRetryWindowMs: 10_000,
      logLevel: 'log',
    });
  });

  it('reads every variable', () => {
    const env = {
      PORT: '8080',
      HOLIDAYS_SOURCE_DELAY_MS: '0',
      REPORT_WORK_MS: '1',
      REPORTS_RETRY_WINDOW_MS: '0',
      LOG_LEVEL: 'debug',
    };
    expect(loadSampleConfig(env)).toEqual({
      port: 8080,
      holidaysDelayMs: 0,
      reportWorkMs: 1,
      reportsRetryWindowMs: 0,
      logLevel: 'debug',
    });
  });

  it('fails once, naming every bad variable', () => {
    let message = '';
    try {
      loadSampleConfig({ PORT: 'http', REPORT_WORK_MS: '-1', LOG_LEVEL: 'loud' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.split('\n').slice(1).sort()).toEqual([
      '  LOG_LEVEL: must be one of fatal, error, warn, log, debug, verbose, got "loud"',
      '  PORT: must be a whole number between 0 and 65535, got "http"',
      '  REPORT_WORK_MS: must be a whole number between 0 and 60000, got "-1"',
    ]);
  });

  it('turns a level into the levels Nest logs', () => {
    expect(levelsFrom('warn')).toEqual(['fatal', 'error', 'warn']);
  });
});
