import { readFileSync } from 'node:fs';

export type Env = Readonly<Record<string, string | undefined>>;

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/**
 * Reads typed values from an environment and collects every problem instead of throwing at the first, so that
 * startup fails once with the whole list (`RedisHaConfigError`). Problems name the variable that was actually
 * set (an alias when the canonical name was not) and never quote a secret.
 */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  /** The first of `name` and its aliases that is set to a non-blank value, with the name that was used. */
  raw(name: string, aliases: readonly string[] = []): { name: string; value: string } | undefined {
    for (const key of [name, ...aliases]) {
      const value = this.env[key];
      if (value !== undefined && value.trim() !== '') return { name: key, value: value.trim() };
    }
    return undefined;
  }

  string(name: string, aliases: readonly string[] = []): string | undefined {
    return this.raw(name, aliases)?.value;
  }

  int(
    name: string,
    opts: { min?: number; max?: number; aliases?: readonly string[] } = {},
  ): number | undefined {
    const found = this.raw(name, opts.aliases);
    if (!found) return undefined;
    if (!/^-?\d+$/.test(found.value)) {
      this.fail(found.name, `must be a whole number, got "${found.value}"`);
      return undefined;
    }
    const value = Number(found.value);
    return this.checkRange(found.name, value, opts.min, opts.max) ? value : undefined;
  }

  bool(name: string, aliases: readonly string[] = []): boolean | undefined {
    const found = this.raw(name, aliases);
    if (!found) return undefined;
    const value = found.value.toLowerCase();
    if (TRUE.has(value)) return true;
    if (FALSE.has(value)) return false;
    this.fail(found.name, `must be true or false, got "${found.value}"`);
    return undefined;
  }

  oneOf<T extends string>(
    name: string,
    values: readonly T[],
    aliases: readonly string[] = [],
  ): T | undefined {
    const found = this.raw(name, aliases);
    if (!found) return undefined;
    const value = found.value.toLowerCase() as T;
    if (values.includes(value)) return value;
    this.fail(found.name, `must be one of ${values.join(' | ')}, got "${found.value}"`);
    return undefined;
  }

  /** A secret from `name`, or from the file named by `fileName` (Docker/Kubernetes secrets). Never echoed. */
  secret(name: string, fileName?: string, aliases: readonly string[] = []): string | undefined {
    const direct = this.raw(name, aliases);
    const file = fileName ? this.raw(fileName) : undefined;
    if (direct && file) {
      this.fail(file.name, `set either ${direct.name} or ${file.name}, not both`);
      return undefined;
    }
    if (direct) return this.env[direct.name];
    if (!file) return undefined;
    try {
      // Secret files usually end with a newline that is not part of the password.
      return readFileSync(file.value, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      this.fail(file.name, `cannot read "${file.value}": ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
      return undefined;
    }
  }

  /** A file path that must be readable (TLS material). Returns its contents. */
  file(name: string): Buffer | undefined {
    const found = this.raw(name);
    if (!found) return undefined;
    try {
      return readFileSync(found.value);
    } catch (err) {
      this.fail(
        found.name,
        `cannot read "${found.value}": ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      );
      return undefined;
    }
  }

  /** Every variable that starts with `prefix`, as `[rest of the name, value]` pairs (e.g. `CACHE_TTL_<NS>`). */
  withPrefix(prefix: string): Array<[string, string]> {
    return Object.entries(this.env)
      .filter((e): e is [string, string] => e[0].startsWith(prefix) && e[0] !== prefix && !!e[1]?.trim())
      .map(([key, value]) => [key.slice(prefix.length), value.trim()]);
  }

  /** Validates a number that came from `forRoot()` options or the environment. */
  checkRange(setting: string, value: number, min?: number, max?: number): boolean {
    if (!Number.isFinite(value) || (min !== undefined && value < min) || (max !== undefined && value > max)) {
      const range = max === undefined ? `>= ${min}` : `between ${min} and ${max}`;
      this.fail(setting, `must be ${range}, got ${value}`);
      return false;
    }
    return true;
  }

  fail(setting: string, problem: string): void {
    this.problems.push(`${setting}: ${problem}`);
  }
}

/** The environment the library reads: the one given (`forRoot({ env })`), else the process's. */
export function environment(given?: Env): Env {
  return given ?? process.env;
}

/** Whether `env` is the process's own environment (and not one given to `forRoot({ env })`). */
export function isProcessEnv(env: Env): boolean {
  return env === process.env;
}
