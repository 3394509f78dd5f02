// `pgopt lint --cache`: findings of unchanged files are reused, like ESLint's --cache. An entry is keyed by
// the SHA-256 of the file's bytes; the whole cache is keyed by the tool version, the lint bundles (size and
// mtime of cli-lint.js and lint-engine.js, so a rebuilt linter never reuses old findings) and the lint
// options (pg version, rule severities...). Runs with live rules (a database connection) bypass it: the database changes under us.
// The file is written atomically (temp file + rename); an unreadable or foreign cache is ignored, never fatal.
//
// Made to be cheap to load, since a warm CI run is mostly this: one line of JSON (the key and a small index
// per file hash), then a blob of bytes the index points into. Per file the blob holds its findings (JSON,
// parsed only when that file hits and they are needed) and, per output format, the file's findings already
// rendered as that format prints them (lintOutput.ts renderFileFragment) for the path they were printed
// under — a warm run copies those out without decoding or rendering a finding.
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TOOL_VERSION } from '../core/version';
import { LineIndex } from '../core/sql/lineIndex';
import type { LintFinding, LintOptions, LintSeverity, TextEdit } from '../core/lint/types';

/** node:crypto's createHash, loaded on first use: a run without --cache never loads node:crypto (~3 ms). */
function sha256(): import('node:crypto').Hash {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('node:crypto') as typeof import('node:crypto')).createHash('sha256');
}

export const DEFAULT_CACHE_LOCATION = join('.pgopt', 'cache', 'lint.json');
/** Entries kept at most (used ones first); about 1 kB each on disk for a typical migration. */
const MAX_ENTRIES = 20_000;
/** Past this many bytes, entries this run did not use keep their findings only, not their rendered output. */
const MAX_RENDERED_BYTES = 64 * 1024 * 1024;
/** The first bytes of the file: another layout (an older pgopt's cache) is ignored. */
const MAGIC = 'pgopt-lint-cache/2\n';

/**
 * A finding as stored: strings are indices into the entry's string table (rule ids, severities, help texts
 * and fix titles repeat), positions are re-derived from the text on reuse.
 * [rule, severity, message, help|-1, start, end, statementIndex|-1, fixTitle|-1, ...edits (start, end, text)]
 */
type Encoded = number[];

/** A slice of the blob: [offset, length] in bytes; or, for what this run added, the bytes themselves. */
type Slice = [number, number] | Buffer;

/** The counts of a file's findings: errors, warnings, others. */
export type FindingCounts = [number, number, number];

interface Entry {
  /** The findings: JSON {s: strings, f: Encoded[]}. */
  f: Slice;
  n: FindingCounts;
  /** Per format: [displayed path, slice of the rendered findings]. */
  r?: Record<string, [string, Slice]>;
}

interface Header {
  key: string;
  entries: Record<string, Entry>;
}

export function countFindings(findings: readonly LintFinding[]): FindingCounts {
  let errors = 0;
  let warnings = 0;
  for (const f of findings) {
    if (f.severity === 'error') errors++;
    else if (f.severity === 'warning') warnings++;
  }
  return [errors, warnings, findings.length - errors - warnings];
}

export class LintCache {
  private readonly used = new Map<string, Entry>();
  private changed = false;
  hits = 0;
  misses = 0;

  private constructor(
    private readonly file: string,
    private readonly key: string,
    private readonly old: Record<string, Entry>,
    private readonly blob: Buffer,
  ) {}

  static open(file: string, options: Partial<LintOptions>): LintCache {
    const key = cacheKey(options);
    try {
      const buf = readFileSync(file);
      const nl = buf.indexOf(10, MAGIC.length);
      if (nl > 0 && buf.toString('latin1', 0, MAGIC.length) === MAGIC) {
        const header = JSON.parse(buf.toString('utf8', MAGIC.length, nl)) as Partial<Header>;
        if (header && header.key === key && header.entries && typeof header.entries === 'object') {
          return new LintCache(file, key, header.entries, buf.subarray(nl + 1));
        }
      }
    } catch {
      // missing, unreadable or not ours: start empty
    }
    return new LintCache(file, key, Object.create(null) as Record<string, Entry>, Buffer.alloc(0));
  }

  /** The hash of a file's bytes, as read (before any decoding). */
  static hash(bytes: Uint8Array): string {
    return sha256().update(bytes).digest('base64url');
  }

  private entry(hash: string): Entry | undefined {
    const used = this.used.get(hash);
    if (used) return used;
    const e = Object.prototype.hasOwnProperty.call(this.old, hash) ? this.old[hash] : undefined;
    if (!e || !validEntry(e)) return undefined;
    this.used.set(hash, e);
    return e;
  }

  private bytes(s: Slice): Buffer {
    if (Buffer.isBuffer(s)) return s;
    const [off, len] = s;
    if (off + len > this.blob.length) throw new Error('bad slice');
    return this.blob.subarray(off, off + len);
  }

  /** Whether a file with these bytes has an entry (counted as a hit). */
  has(hash: string): boolean {
    const e = this.entry(hash);
    if (e) this.hits++;
    return !!e;
  }

  /** The counts of an entry's findings. */
  counts(hash: string): FindingCounts | undefined {
    return this.entry(hash)?.n;
  }

  /** The entry's findings already rendered in `format` for the path `file` (UTF-8), or undefined. */
  rendered(hash: string, format: string, file: string): Buffer | undefined {
    const r = this.entry(hash)?.r?.[format];
    if (!r || r[0] !== file) return undefined;
    try {
      return this.bytes(r[1]);
    } catch {
      return undefined;
    }
  }

  /** Stores the entry's findings rendered in `format` for the path `file` (replacing another path's). */
  setRendered(hash: string, format: string, file: string, text: string): void {
    const e = this.entry(hash);
    if (!e) return;
    const r = { ...e.r, [format]: [file, Buffer.from(text, 'utf8')] as [string, Slice] };
    this.used.set(hash, { ...e, r });
    this.changed = true;
  }

  /** The cached findings of a file whose bytes hash to `hash` and whose text is `text`, or undefined. */
  get(hash: string, text: string): LintFinding[] | undefined {
    const e = this.entry(hash);
    if (!e) return undefined;
    try {
      const { s, f } = JSON.parse(this.bytes(e.f).toString('utf8')) as { s: string[]; f: Encoded[] };
      const lines = new LineIndex(text);
      return f.map((x) => decode(x, s, lines));
    } catch {
      return undefined; // a damaged entry: lint the file again
    }
  }

  set(hash: string, findings: LintFinding[]): void {
    this.misses++;
    const strings: string[] = [];
    const index = new Map<string, number>();
    const intern = (s: string): number => {
      let i = index.get(s);
      if (i === undefined) {
        i = strings.length;
        strings.push(s);
        index.set(s, i);
      }
      return i;
    };
    const f = findings.map((x) => encode(x, intern));
    this.used.set(hash, { f: Buffer.from(JSON.stringify({ s: strings, f }), 'utf8'), n: countFindings(findings) });
    this.changed = true;
  }

  /** Writes the cache when something was added. Failures are reported, not thrown. */
  save(): string | undefined {
    if (!this.changed) return undefined;
    const parts: Buffer[] = [];
    let offset = 0;
    const place = (s: Slice): [number, number] => {
      const b = this.bytes(s);
      parts.push(b);
      const at: [number, number] = [offset, b.length];
      offset += b.length;
      return at;
    };
    const entries: Record<string, Entry> = {};
    let n = 0;
    const keep = (h: string, e: Entry, rendered: boolean): void => {
      try {
        const out: Entry = { f: place(e.f), n: e.n };
        if (e.r && rendered) out.r = Object.fromEntries(Object.entries(e.r).map(([fmt, [file, s]]) => [fmt, [file, place(s)]]));
        entries[h] = out;
        n++;
      } catch {
        // a damaged entry is dropped
      }
    };
    for (const [h, e] of this.used) keep(h, e, true);
    for (const h of Object.keys(this.old)) {
      if (n >= MAX_ENTRIES) break;
      const e = this.old[h];
      if (!Object.prototype.hasOwnProperty.call(entries, h) && e && validEntry(e)) keep(h, e, offset < MAX_RENDERED_BYTES);
    }
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const fd = openSync(tmp, 'w');
      try {
        writeSync(fd, `${MAGIC}${JSON.stringify({ key: this.key, entries } satisfies Header)}\n`);
        for (const p of parts) writeSync(fd, p);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.file);
      return undefined;
    } catch (e) {
      rmSync(tmp, { force: true });
      return `could not write the lint cache ${this.file}: ${(e as Error).message}`;
    }
  }
}

function validSlice(s: unknown): s is [number, number] {
  return Array.isArray(s) && s.length === 2 && Number.isInteger(s[0]) && Number.isInteger(s[1]) && s[0] >= 0 && s[1] >= 0;
}

function validEntry(e: Entry): boolean {
  if (typeof e !== 'object' || e === null || !validSlice(e.f) || !Array.isArray(e.n) || e.n.length !== 3 || !e.n.every((x) => Number.isInteger(x))) return false;
  if (e.r === undefined) return true;
  return typeof e.r === 'object' && e.r !== null && Object.values(e.r).every((x) => Array.isArray(x) && typeof x[0] === 'string' && (Buffer.isBuffer(x[1]) || validSlice(x[1])));
}

function encode(f: LintFinding, intern: (s: string) => number): Encoded {
  const out = [intern(f.ruleId), intern(f.severity), intern(f.message), f.help !== undefined ? intern(f.help) : -1, f.start, f.end, f.statementIndex ?? -1, f.fix ? intern(f.fix.title) : -1];
  for (const e of f.fix?.edits ?? []) out.push(e.start, e.end, intern(e.newText));
  return out;
}

function decode(e: Encoded, strings: string[], lines: LineIndex): LintFinding {
  const str = (i: number | undefined): string => {
    const s = i === undefined ? undefined : strings[i];
    if (typeof s !== 'string') throw new Error('bad string index');
    return s;
  };
  const [rule, severity, message, help, start = 0, end = 0, statementIndex = -1, fixTitle = -1] = e;
  const a = lines.positionAt(start);
  const b = lines.positionAt(Math.max(start, end));
  const f: LintFinding = { ruleId: str(rule), severity: str(severity) as LintSeverity, message: str(message), start, end, line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
  if (help !== undefined && help >= 0) f.help = str(help);
  if (fixTitle >= 0) {
    const edits: TextEdit[] = [];
    for (let k = 8; k + 2 < e.length; k += 3) edits.push({ start: e[k] as number, end: e[k + 1] as number, newText: str(e[k + 2]) });
    f.fix = { title: str(fixTitle), edits };
  }
  if (statementIndex >= 0) f.statementIndex = statementIndex;
  return f;
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
  return sha256().update(`${TOOL_VERSION}\n${bundle}\n${plain}`).digest('base64url');
}
