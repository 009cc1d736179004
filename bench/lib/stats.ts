/** Small helpers shared by the benchmarks: every bench prints its figures as one JSON line, last. */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const round = (n: number, digits = 0): number => Number(n.toFixed(digits));

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Prints human lines to stderr as the bench goes, so stdout's last line is the JSON result. */
export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}

export function printResult(result: Record<string, number | string | boolean>): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Runs `main`, exits 1 with the error on failure (the bench starts its own cluster and stops it in finally). */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}

/**
 * `inFlight` loops calling `op(i)` (each loop its own `i`s) for `ms`: calls per second, and the CPU time this
 * process spent per call (µs), which is steadier than ops/s on a shared machine.
 */
export async function measureOps(
  ms: number,
  inFlight: number,
  op: (i: number) => Promise<unknown>,
): Promise<{ opsPerSec: number; cpuUsPerOp: number }> {
  let done = 0;
  const started = performance.now();
  const end = started + ms;
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: inFlight }, async (_, worker) => {
      for (let i = worker; performance.now() < end; i += inFlight, done++) await op(i);
    }),
  );
  const used = process.cpuUsage(cpu);
  return {
    opsPerSec: done / ((performance.now() - started) / 1000),
    cpuUsPerOp: (used.user + used.system) / done,
  };
}
