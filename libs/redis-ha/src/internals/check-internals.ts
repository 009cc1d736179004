import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** What one startup check found for one package. */
export interface InternalsReport {
  /** The npm package, e.g. `ioredis`. */
  pkg: string;
  /** Its installed version (`installedVersion(pkg)`), or a fake one in tests. */
  version: string;
  /** The versions the library supports, e.g. `6.x (tested with 6.0.0)`. */
  supported: string;
  /** Each internal the installed version lacks or has in another shape; empty when all are there. */
  missing: readonly string[];
}

/** Options of every `assert*Internals()`: both are for tests (a fake version, a fake probe). */
export interface AssertInternalsOptions {
  version?: string;
  probe?: () => string[];
}

const load = createRequire(__filename);

/**
 * The installed version of `pkg`, from its package.json; `'unknown'` if it cannot be read. Packages with an
 * `exports` map that hides package.json (keyv) are found by walking up from their resolved entry point.
 */
export function installedVersion(pkg: string): string {
  try {
    return String((load(`${pkg}/package.json`) as { version: unknown }).version);
  } catch {
    // not exported: look for it next to the entry point
  }
  try {
    for (let dir = dirname(load.resolve(pkg)); ; dir = dirname(dir)) {
      const file = join(dir, 'package.json');
      if (existsSync(file)) {
        const json = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (json.name === pkg && json.version) return json.version;
      }
      if (dirname(dir) === dir) break;
    }
  } catch {
    // not installed, or not readable
  }
  return 'unknown';
}

/**
 * Throws one Error naming every package whose report lists missing internals, with its installed version, each
 * missing internal, and the supported versions; returns quietly when nothing is missing.
 */
export function checkInternals(...reports: InternalsReport[]): void {
  const failed = reports.filter((r) => r.missing.length > 0);
  if (failed.length === 0) return;
  const lines = failed.map(
    (r) =>
      `${r.pkg} ${r.version} (installed) lacks internals nestjs-redis-ha relies on: ${r.missing.join('; ')}. ` +
      `Supported: ${r.pkg} ${r.supported}.`,
  );
  throw new Error(
    `${lines.join(' ')} Install a supported version, or a nestjs-redis-ha release that supports this one.`,
  );
}

/** Runs `probe` (and reads the version) once per process for the real check; a faked check always runs. */
export function runOnce(
  state: { done: boolean },
  options: AssertInternalsOptions,
  run: (version: string | undefined, probe: (() => string[]) | undefined) => void,
): void {
  const faked = options.version !== undefined || options.probe !== undefined;
  if (!faked && state.done) return;
  run(options.version, options.probe);
  if (!faked) state.done = true;
}
