// `lint(files)` of the project model: the one "lint → collect live facts → lint with them" in the code base.
// Without a connection each file is read once and linted once. With one (read-only session), each file is
// read once and parsed once: a parse-only pass (no rules) keeps its parse results in a cache, the file's live
// context is prepared from those statements — knowing which tables earlier files of the run create — and the
// rules then run once with it, reusing the cached parse. Used by `pgopt lint --url`, the editor's Lint All
// and the migrations lint gate (through LiveFactsRun).
import type { DbSession } from '../db/session';
import { EarlierMigrations } from '../lint/earlierMigrations';
import { LiveCache, prepareLiveContext } from '../lint/live';
import { lintText, ParseCache, type LintRun } from '../lint/linter';
import type { LintFinding, LintOptions, LiveContext, ParsedStatement } from '../lint/types';

/**
 * The live facts of a run of files in apply order. next() prepares one file's context (undefined when its
 * catalog query failed: a note says why), tells it which tables earlier files create, then records the
 * tables this file creates. A cancelled signal rejects with the session's CancelledError.
 */
export class LiveFactsRun {
  private readonly earlier = new EarlierMigrations();
  readonly notes: string[] = [];

  constructor(
    private readonly session: DbSession,
    private readonly cache: LiveCache = new LiveCache(Number.POSITIVE_INFINITY),
    private readonly signal?: AbortSignal,
  ) {}

  async next(label: string, statements: readonly ParsedStatement[]): Promise<LiveContext | undefined> {
    let ctx: LiveContext | undefined;
    try {
      const c = await prepareLiveContext(statements, this.session, { cache: this.cache, ...(this.signal ? { signal: this.signal } : {}) });
      const pending = this.earlier.pendingFor(c);
      ctx = pending.length ? { ...c, createdByEarlierFiles: pending } : c;
    } catch (e) {
      if ((e as Error).name === 'CancelledError') throw e;
      this.notes.push(`${label}: live rules not run: ${(e as Error).message}`);
    }
    this.earlier.add(statements);
    return ctx;
  }
}

/** A file's text, or the finding that says why it is not linted (unreadable, binary, too large). */
export type LintSource = { text: string } | { skipped: LintFinding };

export interface LintedFile {
  findings: LintFinding[];
  /** The run (statements, findings); undefined for a skipped file. */
  run: LintRun | undefined;
  /** The live context the rules ran with, when they did. */
  live: LiveContext | undefined;
}

export interface LintFilesOptions {
  /** With a session, the live rules run too (read-only queries), in file order. */
  live?: { session: DbSession; cache?: LiveCache; signal?: AbortSignal };
  /** The parse cache of a file (the editor keeps one per open document); default: a fresh one per file when live. */
  parseCache?: (file: string) => ParseCache | undefined;
  /** Called after each file (progress, cancellation: throw to stop). */
  onFile?: (file: string, result: LintedFile, index: number) => void | Promise<void>;
}

/**
 * Lints `files` in order, reading each once through `read`. The parser must be loaded (loadParser()).
 * Returns one result per file and the notes of the live part (a file whose catalog query failed).
 */
export async function lintFiles(files: readonly string[], read: (file: string) => LintSource | Promise<LintSource>, options: Partial<LintOptions>, opts: LintFilesOptions = {}): Promise<{ files: LintedFile[]; notes: string[] }> {
  const facts = opts.live ? new LiveFactsRun(opts.live.session, opts.live.cache, opts.live.signal) : undefined;
  const out: LintedFile[] = [];
  for (const [i, file] of files.entries()) {
    const source = await read(file);
    let result: LintedFile;
    if ('skipped' in source) {
      result = { findings: [source.skipped], run: undefined, live: undefined };
    } else if (!facts) {
      const pc = opts.parseCache?.(file);
      const run = lintText(source.text, options, pc ? { cache: pc } : {});
      result = { findings: run.findings, run, live: undefined };
    } else {
      const cache = opts.parseCache?.(file) ?? new ParseCache(Number.POSITIVE_INFINITY);
      // Parse only (no rules); the second call finds every statement in the cache.
      const parsed = lintText(source.text, options, { rules: [], cache });
      const live = await facts.next(file, parsed.statements);
      const run = lintText(source.text, live ? { ...options, live } : options, { cache });
      result = { findings: run.findings, run, live };
    }
    out.push(result);
    await opts.onFile?.(file, result, i);
  }
  return { files: out, notes: facts?.notes ?? [] };
}
