import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import * as ts from 'typescript';
import { ALL_FEATURES, installApp, packLibrary, type Nest } from './package-app';
import { spawnSample, type SampleProcess } from './sample-process';

const ROOT = join(__dirname, '..', '..');
const SAMPLE_SRC = join(ROOT, 'apps', 'sample', 'src');

/**
 * The sample app (apps/sample) as a user on another Nest major runs it: a scratch project in `dir` installs the
 * packed library with that major and every feature's peers (test/helpers/package-app.ts), the sample's sources
 * are transpiled into it as CommonJS (its `@app/redis-ha` imports become `nestjs-redis-ha`), and the app runs
 * as its own process. Nest 12 is ESM-only: this CommonJS app loads it through Node's require(esm).
 * Returns the installed `@nestjs/core` version and a starter for the app.
 */
export function prepareSampleOnNest(
  nest: Nest,
  dir: string,
): { version: string; start(env: Record<string, string>, port: number): Promise<SampleProcess> } {
  installApp(dir, packLibrary(dir), nest, ALL_FEATURES);
  transpileSample(join(dir, 'sample'));
  const version = JSON.parse(
    readFileSync(join(dir, 'node_modules', '@nestjs', 'core', 'package.json'), 'utf8'),
  ).version;
  return {
    version,
    start: (env, port) => spawnSample(env, port, 60_000, { cwd: dir, args: ['sample/main.js'] }),
  };
}

/** Every .ts of the sample (not its specs) into `out` as CommonJS, with the decorator metadata Nest's DI reads. */
function transpileSample(out: string): void {
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    esModuleInterop: true,
  };
  for (const file of sourcesOf(SAMPLE_SRC)) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: options });
    const target = join(out, relative(SAMPLE_SRC, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(
      target,
      outputText.replace(/require\("@app\/redis-ha(\/[a-z]+)?"\)/g, 'require("nestjs-redis-ha$1")'),
    );
  }
}

function sourcesOf(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcesOf(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}
