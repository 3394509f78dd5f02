// `pgopt lint --cache`: findings of unchanged files are reused, like ESLint's --cache. An entry is keyed by
// the SHA-256 of the file's text; the whole cache is keyed by the tool version, the lint bundle itself (size
// and mtime, so a rebuilt linter never reuses old findings) and the lint options (pg version, rule
// severities...). Runs with live rules (a database connection) bypass it: the database changes under us.
// The file is written atomically (temp file + rename); an unreadable or foreign cache is ignored, never fatal.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TOOL_VERSION } from '../core/version';
import type { LintFinding, LintOptions } from '../core/lint/types';

export const DEFAULT_CACHE_LOCATION = join('.pgopt', 'cache', 'lint.json');
/** Entries kept at most (used ones first); about 1 kB each on disk for a typical migration. */
const MAX_ENTRIES = 20_000;

interface CacheFile {
  key: string;
  entries: Record<string, LintFinding[]>;
}

export class LintCache {
  private readonly old: Map<string, LintFinding[]>;
  private readonly used = new Map<string, LintFinding[]>();
  private changed = false;
  hits = 0;
  misses = 0;

  private constructor(
    private readonly file: string,
    private readonly key: string,
    old: Map<string, LintFinding[]>,
  ) {
    this.old = old;
  }

  static open(file: string, options: Partial<LintOptions>): LintCache {
    const key = cacheKey(options);
    let entries = new Map<string, LintFinding[]>();
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<CacheFile>;
      if (parsed && parsed.key === key && parsed.entries && typeof parsed.entries === 'object') entries = new Map(Object.entries(parsed.entries));
    } catch {
      // missing, unreadable or not ours: start empty
    }
    return new LintCache(file, key, entries);
  }

  static hash(text: string): string {
    return createHash('sha256').update(text).digest('base64url');
  }

  get(hash: string): LintFinding[] | undefined {
    const f = this.used.get(hash) ?? this.old.get(hash);
    if (f) {
      this.hits++;
      this.used.set(hash, f);
    }
    return f;
  }

  set(hash: string, findings: LintFinding[]): void {
    this.misses++;
    this.used.set(hash, findings);
    this.changed = true;
  }

  /** Writes the cache when something was added or entries are to be pruned. Failures are reported, not thrown. */
  save(): string | undefined {
    if (!this.changed) return undefined;
    const entries: Record<string, LintFinding[]> = {};
    let n = 0;
    for (const [h, f] of this.used) {
      entries[h] = f;
      n++;
    }
    for (const [h, f] of this.old) {
      if (n >= MAX_ENTRIES) break;
      if (entries[h]) continue;
      entries[h] = f;
      n++;
    }
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ key: this.key, entries } satisfies CacheFile));
      renameSync(tmp, this.file);
      return undefined;
    } catch (e) {
      return `could not write the lint cache ${this.file}: ${(e as Error).message}`;
    }
  }
}

function cacheKey(options: Partial<LintOptions>): string {
  let bundle = '';
  try {
    const s = statSync(__filename);
    bundle = `${s.size}:${s.mtimeMs}`;
  } catch {
    bundle = 'unknown';
  }
  const { live: _live, ...rest } = options;
  const plain = JSON.stringify(rest, (_k, v: unknown) => (v instanceof Set ? [...v].sort() : v));
  return createHash('sha256').update(`${TOOL_VERSION}\n${bundle}\n${plain}`).digest('base64url');
}
