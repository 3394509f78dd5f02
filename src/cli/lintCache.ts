// `pgopt lint --cache`: findings of unchanged files are reused, like ESLint's --cache. An entry is keyed by
// the SHA-256 of the file's text; the whole cache is keyed by the tool version, the lint bundles (size and
// mtime of cli-lint.js and lint-engine.js, so a rebuilt linter never reuses old findings) and the lint
// options (pg version, rule severities...). Runs with live rules (a database connection) bypass it: the database changes under us.
// The file is written atomically (temp file + rename); an unreadable or foreign cache is ignored, never fatal.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TOOL_VERSION } from '../core/version';
import { LineIndex } from '../core/sql/lineIndex';
import type { LintFinding, LintOptions, LintSeverity, TextEdit } from '../core/lint/types';

export const DEFAULT_CACHE_LOCATION = join('.pgopt', 'cache', 'lint.json');
/** Entries kept at most (used ones first); about 1 kB each on disk for a typical migration. */
const MAX_ENTRIES = 20_000;

/**
 * A finding as stored: strings are indices into the cache's string table (rule ids, severities, help texts
 * and fix titles repeat across thousands of findings), positions are re-derived from the text on reuse.
 * [rule, severity, message, help|-1, start, end, statementIndex|-1, fixTitle|-1, ...edits (start, end, text)]
 */
type Encoded = number[];

interface CacheFile {
  key: string;
  strings: string[];
  entries: Record<string, Encoded[]>;
}

export class LintCache {
  private strings: string[];
  /** string -> its index; built on the first miss (a warm run where every file hits never hashes 10k strings). */
  private index: Map<string, number> | undefined;
  private readonly old: Map<string, Encoded[]>;
  private readonly used = new Map<string, Encoded[]>();
  private changed = false;
  hits = 0;
  misses = 0;

  private constructor(
    private readonly file: string,
    private readonly key: string,
    old: Map<string, Encoded[]>,
    strings: string[],
  ) {
    this.old = old;
    this.strings = strings;
  }

  static open(file: string, options: Partial<LintOptions>): LintCache {
    const key = cacheKey(options);
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<CacheFile>;
      if (parsed && parsed.key === key && Array.isArray(parsed.strings) && parsed.entries && typeof parsed.entries === 'object') {
        return new LintCache(file, key, new Map(Object.entries(parsed.entries)), parsed.strings);
      }
    } catch {
      // missing, unreadable or not ours: start empty
    }
    return new LintCache(file, key, new Map(), []);
  }

  static hash(text: string): string {
    return createHash('sha256').update(text).digest('base64url');
  }

  /** The cached findings of a file with this text, or undefined. */
  get(hash: string, text: string): LintFinding[] | undefined {
    const enc = this.used.get(hash) ?? this.old.get(hash);
    if (!enc) return undefined;
    this.hits++;
    this.used.set(hash, enc);
    try {
      const lines = new LineIndex(text);
      return enc.map((e) => this.decode(e, lines));
    } catch {
      return undefined; // a damaged entry: lint the file again
    }
  }

  set(hash: string, findings: LintFinding[]): void {
    this.misses++;
    this.used.set(hash, findings.map((f) => this.encode(f)));
    this.changed = true;
  }

  private intern(s: string): number {
    this.index ??= new Map(this.strings.map((x, k) => [x, k]));
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.index.set(s, i);
    }
    return i;
  }

  private encode(f: LintFinding): Encoded {
    const out = [this.intern(f.ruleId), this.intern(f.severity), this.intern(f.message), f.help !== undefined ? this.intern(f.help) : -1, f.start, f.end, f.statementIndex ?? -1, f.fix ? this.intern(f.fix.title) : -1];
    for (const e of f.fix?.edits ?? []) out.push(e.start, e.end, this.intern(e.newText));
    return out;
  }

  private decode(e: Encoded, lines: LineIndex): LintFinding {
    const str = (i: number | undefined): string => {
      const s = i === undefined ? undefined : this.strings[i];
      if (s === undefined) throw new Error('bad string index');
      return s;
    };
    const [rule, severity, message, help, start = 0, end = 0, statementIndex = -1, fixTitle = -1] = e;
    const a = lines.positionAt(start);
    const b = lines.positionAt(Math.max(start, end));
    const f: LintFinding = { ruleId: str(rule), severity: str(severity) as LintSeverity, message: str(message), start, end, line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
    if (help !== undefined && help >= 0) f.help = str(help);
    if (fixTitle >= 0) {
      const edits: TextEdit[] = [];
      for (let k = 8; k + 2 < e.length + 0; k += 3) edits.push({ start: e[k] as number, end: e[k + 1] as number, newText: str(e[k + 2]) });
      f.fix = { title: str(fixTitle), edits };
    }
    if (statementIndex >= 0) f.statementIndex = statementIndex;
    return f;
  }

  /** Writes the cache when something was added. Failures are reported, not thrown. */
  save(): string | undefined {
    if (!this.changed) return undefined;
    // Rebuild the string table over the kept entries only, so it does not grow with dropped ones.
    const strings: string[] = [];
    const index = new Map<string, number>();
    const remap = (i: number): number => {
      const s = this.strings[i] as string;
      let j = index.get(s);
      if (j === undefined) {
        j = strings.length;
        strings.push(s);
        index.set(s, j);
      }
      return j;
    };
    const STRING_SLOTS = [0, 1, 2, 3, 7];
    const entries: Record<string, Encoded[]> = {};
    let n = 0;
    const keep = (h: string, list: Encoded[]): void => {
      entries[h] = list.map((e) => e.map((v, k) => (v >= 0 && (STRING_SLOTS.includes(k) || (k >= 8 && (k - 8) % 3 === 2)) ? remap(v) : v)));
      n++;
    };
    for (const [h, list] of this.used) keep(h, list);
    for (const [h, list] of this.old) {
      if (n >= MAX_ENTRIES) break;
      if (!entries[h]) keep(h, list);
    }
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ key: this.key, strings, entries } satisfies CacheFile));
      renameSync(tmp, this.file);
      return undefined;
    } catch (e) {
      return `could not write the lint cache ${this.file}: ${(e as Error).message}`;
    }
  }
}

function cacheKey(options: Partial<LintOptions>): string {
  // This bundle (cli-lint.js) and the engine's (lint-engine.js, rules and parser): a rebuild of either one
  // invalidates the cache.
  const bundle = [__filename, join(dirname(__filename), 'lint-engine.js')]
    .map((f) => {
      try {
        const s = statSync(f);
        return `${s.size}:${s.mtimeMs}`;
      } catch {
        return 'unknown';
      }
    })
    .join('/');
  const { live: _live, ...rest } = options;
  const plain = JSON.stringify(rest, (_k, v: unknown) => (v instanceof Set ? [...v].sort() : v));
  return createHash('sha256').update(`${TOOL_VERSION}\n${bundle}\n${plain}`).digest('base64url');
}
