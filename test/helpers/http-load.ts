/**
 * A steady HTTP load on the sample app, the way its users would drive it through a failover: an open loop at
 * a fixed rate (a request that hangs does not slow the next ones down), alternating `GET /holidays/:year` and
 * `POST /reports`. Every request is recorded: when it was sent, how long it took, its status, `x-cache`, and
 * for a 202 the report id, so that the caller can then check that every accepted report completes.
 */
export type RequestKind = 'holidays' | 'report';

export interface RequestRecord {
  kind: RequestKind;
  /** Date.now() when the request was sent. */
  sentAt: number;
  ms: number;
  /** HTTP status; 0 when no response came (connection refused, reset, timeout). */
  status: number;
  /** `x-cache` of a holidays answer. */
  cache?: string;
  /** Report id of a 202. */
  id?: string;
  /** Body (or error) of an unexpected answer, cut to 200 characters. */
  error?: string;
}

export interface HttpLoadOptions {
  baseUrl: string;
  /** @default 50 */
  ratePerSecond?: number;
  /** Years asked in turn: the first round misses, then hits. @default 2011-2030 */
  years?: number[];
  /** @default 30000 */
  timeoutMs?: number;
}

export interface HttpLoadSummary {
  requests: number;
  /** Answers other than the expected 200 (holidays) / 202 (reports), including no answer at all. */
  httpErrors: number;
  holidaysErrors: number;
  reportErrors: number;
  longestResponseMs: number;
  longestHolidaysMs: number;
  longestReportMs: number;
  /** Count per status, e.g. { "200": 310, "202": 300, "503": 12 }. */
  statuses: Record<string, number>;
  /** Count per `x-cache` value of holidays answers. */
  cache: Record<string, number>;
  reportsAccepted: number;
}

const EXPECTED: Record<RequestKind, number> = { holidays: 200, report: 202 };
const YEARS = Array.from({ length: 20 }, (_, i) => 2011 + i);

export class HttpLoad {
  readonly records: RequestRecord[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly rate: number;
  private readonly years: number[];
  private readonly timeoutMs: number;
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private sent = 0;

  constructor(private readonly options: HttpLoadOptions) {
    this.rate = options.ratePerSecond ?? 50;
    this.years = options.years ?? YEARS;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  start(): this {
    this.startedAt = performance.now();
    const tick = () => {
      // As many requests as the rate calls for by now: a late timer sends the missed ones at once.
      const due = Math.floor(((performance.now() - this.startedAt) * this.rate) / 1000);
      while (this.sent < due) this.send(this.sent++);
      this.timer = setTimeout(tick, 5);
    };
    tick();
    return this;
  }

  /** Stops sending and waits for the requests in flight. */
  async stop(): Promise<HttpLoadSummary> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all([...this.inFlight]);
    return summarize(this.records);
  }

  /** The ids of the reports answered 202, with when their POST was sent. */
  accepted(): Array<{ id: string; sentAt: number }> {
    return this.records.filter((r) => r.id !== undefined).map((r) => ({ id: r.id!, sentAt: r.sentAt }));
  }

  /** The requests that did not get their expected status. */
  failures(): RequestRecord[] {
    return this.records.filter((r) => r.status !== EXPECTED[r.kind]);
  }

  private send(n: number): void {
    const kind: RequestKind = n % 2 === 0 ? 'holidays' : 'report';
    const request =
      kind === 'holidays'
        ? this.request(kind, `/holidays/${this.years[(n / 2) % this.years.length]}`)
        : this.request(kind, '/reports', { month: `2026-${String((n % 12) + 1).padStart(2, '0')}` });
    const done = request.then((record) => void this.records.push(record));
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  private async request(kind: RequestKind, path: string, body?: object): Promise<RequestRecord> {
    const sentAt = Date.now();
    const started = performance.now();
    try {
      const res = await fetch(`${this.options.baseUrl}${path}`, {
        method: body ? 'POST' : 'GET',
        headers: body ? { 'content-type': 'application/json' } : undefined,
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.text();
      const record: RequestRecord = { kind, sentAt, ms: performance.now() - started, status: res.status };
      if (kind === 'holidays' && res.headers.has('x-cache')) record.cache = res.headers.get('x-cache')!;
      if (res.status === EXPECTED[kind] && kind === 'report')
        record.id = (JSON.parse(text) as { id: string }).id;
      if (res.status !== EXPECTED[kind]) record.error = text.slice(0, 200);
      return record;
    } catch (err) {
      return { kind, sentAt, ms: performance.now() - started, status: 0, error: String(err).slice(0, 200) };
    }
  }
}

export function summarize(records: readonly RequestRecord[]): HttpLoadSummary {
  const count = (values: string[]) =>
    values.reduce<Record<string, number>>((acc, v) => ({ ...acc, [v]: (acc[v] ?? 0) + 1 }), {});
  const longest = (kind?: RequestKind) =>
    Math.round(Math.max(0, ...records.filter((r) => !kind || r.kind === kind).map((r) => r.ms)));
  const errors = (kind: RequestKind) =>
    records.filter((r) => r.kind === kind && r.status !== EXPECTED[kind]).length;
  return {
    requests: records.length,
    httpErrors: errors('holidays') + errors('report'),
    holidaysErrors: errors('holidays'),
    reportErrors: errors('report'),
    longestResponseMs: longest(),
    longestHolidaysMs: longest('holidays'),
    longestReportMs: longest('report'),
    statuses: count(records.map((r) => String(r.status))),
    cache: count(records.filter((r) => r.cache).map((r) => r.cache!)),
    reportsAccepted: records.filter((r) => r.id !== undefined).length,
  };
}
