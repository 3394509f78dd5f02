// A small import resolver over the TypeScript sources, for the architecture tests: every import a file
// makes — run-time and type-only alike (`import type`, `export type … from`, `typeof import('…')`,
// `require('…')`) — resolved to a file when it is relative, and the import cycles among those files.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

// TypeScript's own pre-processor finds them (comments and strings are skipped, as the compiler does). It is
// required at run time from node_modules rather than bundled into the test.
type TypeScript = typeof import('typescript');
let ts: TypeScript | undefined;
function typescript(): TypeScript {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ts ??= require(join(__dirname, '..', '..', '..', 'node_modules', 'typescript')) as TypeScript;
  return ts;
}

/** Every module specifier the source text names, in order. */
export function importSpecifiers(text: string): string[] {
  return typescript()
    .preProcessFile(text, true, true)
    .importedFiles.map((f) => f.fileName);
}

/** The file a relative specifier names (`./a` → a.ts or a/index.ts), or undefined for a package or a miss. */
export function resolveImport(from: string, spec: string, exists: (p: string) => boolean = existsSync): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec.replace(/\.js$/, ''));
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) if (candidate.endsWith('.ts') && exists(candidate)) return candidate;
  return undefined;
}

/** file → the files it imports, for a set of sources given as path → text. */
export function importGraph(sources: Map<string, string>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [file, text] of sources) {
    const targets = importSpecifiers(text)
      .map((s) => resolveImport(file, s, (p) => sources.has(p)))
      .filter((t): t is string => t !== undefined);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** The import cycles: each strongly connected group of two or more files (or a file importing itself), sorted. */
export function importCycles(graph: Map<string, string[]>): string[][] {
  // Tarjan's algorithm, iterative so a deep import chain cannot overflow the stack.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; edge: number }> = [{ node: root, edge: 0 }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const frame = work[work.length - 1] as { node: string; edge: number };
      const edges = graph.get(frame.node) ?? [];
      if (frame.edge < edges.length) {
        const to = edges[frame.edge++] as string;
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, edge: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node) as number, index.get(to) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(frame.node) as number));
      if (low.get(frame.node) === index.get(frame.node)) {
        const group: string[] = [];
        for (;;) {
          const n = stack.pop() as string;
          onStack.delete(n);
          group.push(n);
          if (n === frame.node) break;
        }
        if (group.length > 1 || edges.includes(frame.node)) cycles.push(group.sort());
      }
    }
  }
  return cycles.sort((a, b) => (a[0] as string).localeCompare(b[0] as string));
}

/** Reads the .ts files under the given folders into path → text. */
export function readSources(dirs: string[]): Map<string, string> {
  return new Map(dirs.flatMap((d) => tsFiles(d)).map((f) => [f, readFileSync(f, 'utf8')]));
}
