/**
 * CI's structure check: fails on any import circle among the project's own TypeScript files (type-only imports
 * included: a circle of types still ties the files into one unit), and on library source files over the size
 * bound. Imports are resolved by the TypeScript compiler with the repo's tsconfig, so path aliases count.
 *
 *   npm run cycles
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..');
const SOURCE_DIRS = ['libs', 'apps', 'tools', 'scripts', 'bench', 'test'];
const SIZE_BOUND_DIR = 'libs/redis-ha/src';
const MAX_LINES = 200;

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function importGraph(files: string[]): Map<string, string[]> {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  const options = config?.options ?? {};
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = info.importedFiles
      .map(
        (ref) => ts.resolveModuleName(ref.fileName, file, options, ts.sys).resolvedModule?.resolvedFileName,
      )
      .filter((target): target is string => !!target && known.has(target));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Tarjan's strongly connected components: every component of more than one file (or a self-import) is a circle. */
function circles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    indexOf.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indexOf.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, indexOf.get(next)!));
      }
    }
    if (low.get(node) === indexOf.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component);
    }
  };
  for (const node of graph.keys()) if (!indexOf.has(node)) visit(node);
  return found;
}

/**
 * The library's folders as nodes (a file at the root is a node of its own): dependencies between concerns run one
 * way, so `health/` importing `metrics/` while `metrics/` imports `health/` is a circle even with no file circle.
 */
function folderGraph(graph: Map<string, string[]>): Map<string, string[]> {
  const lib = join(ROOT, SIZE_BOUND_DIR);
  const folderOf = (file: string): string | undefined => {
    const rel = relative(lib, file);
    return rel.startsWith('..') ? undefined : rel.split('/')[0];
  };
  const folders = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const from = folderOf(file);
    if (!from || file.endsWith('.spec.ts')) continue;
    const edges = folders.get(from) ?? new Set<string>();
    folders.set(from, edges);
    for (const target of targets) {
      const to = folderOf(target);
      if (to && to !== from) edges.add(to);
    }
  }
  return new Map([...folders].map(([folder, edges]) => [folder, [...edges]]));
}

function main(): void {
  const files = SOURCE_DIRS.flatMap((dir) => sourceFiles(join(ROOT, dir)));
  const problems: string[] = [];
  const graph = importGraph(files);
  for (const circle of circles(graph)) {
    problems.push(`import circle: ${circle.map((f) => relative(ROOT, f)).join(' -> ')}`);
  }
  for (const circle of circles(folderGraph(graph))) {
    problems.push(`folder circle in ${SIZE_BOUND_DIR}: ${circle.join(' <-> ')}`);
  }
  for (const file of files) {
    const rel = relative(ROOT, file);
    if (!rel.startsWith(SIZE_BOUND_DIR) || rel.endsWith('.spec.ts')) continue;
    const lines = readFileSync(file, 'utf8').split('\n').length;
    if (lines > MAX_LINES)
      problems.push(`${rel}: ${lines} lines (library source files stay under ${MAX_LINES})`);
  }
  if (problems.length) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
  console.log(
    `structure ok: ${files.length} files, no import circle, library files under ${MAX_LINES} lines`,
  );
}

main();
