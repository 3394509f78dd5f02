// The linter's contract. A rule = metadata (what, why, the safe way, examples that are also its tests and
// its docs page) + a check over one parsed statement. Rules never see the editor: they report plain data.
import type { Node } from '@pgsql/types';
import type { LiveContext } from './liveTypes';

export type LintSeverity = 'error' | 'warning' | 'info' | 'hint';

export type RuleCategory = 'locks' | 'breaking' | 'hygiene' | 'types' | 'live';

/** Postgres table lock modes, weakest first. */
export type LockMode =
  | 'ACCESS SHARE'
  | 'ROW SHARE'
  | 'ROW EXCLUSIVE'
  | 'SHARE UPDATE EXCLUSIVE'
  | 'SHARE'
  | 'SHARE ROW EXCLUSIVE'
  | 'EXCLUSIVE'
  | 'ACCESS EXCLUSIVE';

export interface RuleExample {
  sql: string;
  /** Options this example is linted with (e.g. { pgVersion: 10 }). */
  options?: Partial<LintOptions>;
  /** One line shown on the docs page above the example. */
  note?: string;
  /**
   * Live rules (needsConnection): SQL that seeds the database the example is linted against. The docs show
   * it; test/db/liveLint.test.ts runs it on a real Postgres, prepares the live context and lints the example.
   */
  setup?: string;
  /** Bad examples: the source text the (first) finding covers; checked by the example tests. */
  range?: string;
  /** Bad examples with a quick fix: the SQL after applying every fix of this rule's findings. */
  fixed?: string;
}

export interface RuleMeta {
  /** Kebab-case id; squawk's id where the hazard is the same. */
  id: string;
  title: string;
  category: RuleCategory;
  defaultSeverity: LintSeverity;
  /** Rule id in squawk when it has the same hazard (usually equal to id). */
  squawk?: string;
  /** Also reported under these ids in ignore comments (e.g. require-timeout-settings). */
  aliases?: string[];
  /**
   * The same problem, said more specifically: where this rule and a listed rule both report at the same
   * place of the same statement, only this rule's finding is kept (one finding per problem). An ignore
   * comment naming either rule suppresses both there. With this rule off, the listed rule reports as usual.
   */
  supersedes?: string[];
  /** What it catches, one or two sentences. */
  description: string;
  /** Why it hurts in production: which lock, rewrite or scan, and what that blocks. */
  why: string;
  /** The safe pattern, in prose (SQL goes into the good examples). */
  safe: string;
  /** The lock the flagged statement takes, when one applies (drives the editor hover). */
  lock?: LockMode;
  /** Every bad example must produce a finding of this rule; every good one none. They are the rule's tests. */
  examples: { bad: RuleExample[]; good: RuleExample[] };
  /** Deliberate differences from squawk, documented on the docs page. */
  differences?: string;
  /** Rules that need a live connection (options.live) are skipped without one. */
  needsConnection?: boolean;
  /** Opt-in rule: off unless the configuration gives it a severity (e.g. require-table-schema). */
  defaultOff?: boolean;
}

export interface TextEdit {
  /** UTF-16 offsets into the whole file text. */
  start: number;
  end: number;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
}

export interface LintFinding {
  ruleId: string;
  severity: LintSeverity;
  message: string;
  help?: string;
  /** UTF-16 offsets into the file text. */
  start: number;
  end: number;
  /** 0-based. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  fix?: Fix;
  /** Index of the statement in the file, when the finding belongs to one. */
  statementIndex?: number;
}

export interface LintOptions {
  /** Target server major version, e.g. 15. */
  pgVersion: number;
  /** The migration runner wraps each file in a transaction. */
  assumeInTransaction: boolean;
  /** Per-rule override: 'off' or a severity. */
  rules: Record<string, LintSeverity | 'off'>;
  /** Tables (schema.name or name, lower-case) known to be created by earlier migrations of this set. */
  newTables?: ReadonlySet<string>;
  /** What the connected database holds about the tables this file touches (see live.ts). Enables live rules. */
  live?: LiveContext;
  /** live-table-size: lock/rewrite/scan findings on a table at least this large (bytes) become errors. */
  liveEscalateBytes?: number;
}

export type { LiveContext };

export const DEFAULT_LINT_OPTIONS: LintOptions = { pgVersion: 15, assumeInTransaction: false, rules: {} };

/** A qualified relation name as written in the SQL (schema may be absent). */
export interface RelName {
  schema?: string;
  name: string;
}

/** What a rule sees about the file as it is walked top to bottom. */
export interface FileState {
  options: LintOptions;
  /** Tables created earlier in this file (or by earlier migrations): no lock hazard, nobody else sees them. */
  isNewTable(rel: RelName | undefined): boolean;
  /** Inside a transaction at this statement: an explicit BEGIN earlier, or assumeInTransaction. */
  inTransaction: boolean;
  /** `SET lock_timeout` / `SET statement_timeout` seen earlier in the file (not reset since). */
  lockTimeoutSet: boolean;
  statementTimeoutSet: boolean;
  /** Whether an ACCESS EXCLUSIVE lock is held from an earlier statement of the current transaction. */
  accessExclusiveHeld: RelName | undefined;
  /**
   * Parsed statements of the whole file. Only the live rules (needsConnection) may read it: without a live
   * context and a parse cache the engine streams (each statement's tree is dropped once linted) and reading it
   * throws. Other rules look back through facts their `summarize` step recorded (summaries.ts) and look ahead
   * by holding findings until `finish`.
   */
  statements: readonly ParsedStatement[];
}

export interface ParsedStatement {
  index: number;
  /** The statement's AST node: `{ IndexStmt: {...} }` etc. */
  node: Node;
  /** Name of the node type, e.g. 'IndexStmt'. */
  kind: string;
  /** Source text of the statement, without the trailing semicolon. */
  text: string;
  /** UTF-16 offsets of the statement in the file. */
  start: number;
  end: number;
  /** `-- migrate:down` section (dbmate-style files). */
  section: 'up' | 'down' | undefined;
  /**
   * Parser `location`s inside `node` count UTF-8 bytes from this base (0 when the statement was parsed on
   * its own, its byte offset in the file when the whole file was parsed at once). Use ctx.fileOffset.
   */
  locationBase: number;
}

export interface ReportOptions {
  message: string;
  help?: string;
  /**
   * Where: a parser `location` (byte offset into the statement text as it was parsed) with an optional
   * length in characters, or a range of UTF-16 offsets relative to the statement text. Default: the
   * whole statement.
   */
  at?: { location: number; length?: number } | { start: number; end: number };
  fix?: Fix;
  /** Overrides the rule's default severity (e.g. escalated by live table size). */
  severity?: LintSeverity;
}

export interface RuleContext {
  stmt: ParsedStatement;
  file: FileState;
  report(r: ReportOptions): void;
  /** Converts a parser location inside this statement to a UTF-16 offset in the file. */
  fileOffset(location: number): number;
  /**
   * Makes this rule's finding for this statement, like `report`, without reporting it: a rule whose verdict
   * depends on later statements holds it (positions resolved, no tree kept) and releases it once they are
   * known, in a later statement's `summarize` or in `finish`.
   */
  hold(r: ReportOptions): LintFinding;
  /** Reports a finding made by `hold` (at this or an earlier statement). */
  release(f: LintFinding): void;
}

/** What a rule's finish step sees: the file has been linted to its end. */
export interface FinishContext {
  file: FileState;
  /** Statements in the file (parsed ones; syntax errors not counted). */
  statementCount: number;
  /** Reports a finding made by `hold`. */
  release(f: LintFinding): void;
}

/** What a rule's afterFile hook sees: every finding of the file so far, which it may annotate or add to. */
export interface AfterFileContext {
  findings: LintFinding[];
  statements: readonly ParsedStatement[];
  options: LintOptions;
  /** The rules of this run (enabled or not), e.g. to tell which findings come from lock rules. */
  rules: readonly Rule[];
  /** Adds a finding of this rule, at its severity, spanning the statement. */
  report(message: string, stmt: ParsedStatement): void;
}

export interface Rule {
  meta: RuleMeta;
  /**
   * The statement kinds (ParsedStatement.kind, e.g. 'AlterTableStmt') check can report on; the engine skips the
   * call for any other statement. Only for a rule whose check returns at once on other kinds and keeps no state
   * across statements (test/unit/lint/rulePrefilters.test.ts lints with and without the filter and compares).
   * Undefined: every statement.
   */
  kinds?: readonly string[];
  /** Runs on every statement, in file order; the file state says what the earlier statements did. */
  check(ctx: RuleContext): void;
  /**
   * Runs on every statement after every rule's check of it (whether or not this rule's check returned early):
   * records what later statements or `finish` need from this statement's tree (compact facts, see
   * summaries.ts). The tree is not kept once the statement is linted.
   */
  summarize?(ctx: RuleContext): void;
  /**
   * The statement kinds summarize records anything for; the engine skips the call on others (ignoreRuleKinds
   * turns this off too). Only for a summarize step that returns at once on other kinds. Undefined: every statement.
   */
  summarizeKinds?: readonly string[];
  /** Runs once after the last statement, before afterFile: releases held findings the rest of the file confirmed. */
  finish?(ctx: FinishContext): void;
  /** Runs once per file after every rule's check (e.g. live-table-size annotates the lock rules' findings). */
  afterFile?(ctx: AfterFileContext): void;
}
