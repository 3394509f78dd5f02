// The lint engine: split -> parse each statement (cached by text, so an edit re-parses only what changed)
// -> walk statements top to bottom keeping file state -> run rules -> apply ignore comments -> findings.
// A syntax error is a finding at its position and does not hide findings in other statements. No
// exception escapes: a rule that throws becomes an `internal-error` finding naming the rule.
import type { Node } from '@pgsql/types';
import { byteToCharOffset, LineIndex } from '../sql/lineIndex';
import { loadParser, parseSql, type ParseOutcome } from '../sql/parser';
import { blankBom } from '../sql/sqlFileText';
import { splitSql, type SqlComment, type SqlPiece } from '../sql/splitter';
import { as, forgetWalks, nodeKind, relKey, relName, unwrap } from './ast';
import { statementLock } from './locks';
import { FILE_MEMO } from './summaries';
import { RULES } from './registry';
import {
  DEFAULT_LINT_OPTIONS,
  type FileState,
  type LintFinding,
  type LintOptions,
  type LintSeverity,
  type ParsedStatement,
  type RelName,
  type ReportOptions,
  type Rule,
  type RuleContext,
} from './types';

export const SYNTAX_ERROR = 'syntax-error';
export const UNUSED_IGNORE = 'unused-ignore';
export const INTERNAL_ERROR = 'internal-error';

export { ENGINE_RULE_IDS } from './ruleNames';

/** Caches parse results by statement text. Bounded; safe to share across files. */
export class ParseCache {
  private readonly map = new Map<string, ParseOutcome>();
  constructor(private readonly max = 20_000) {}
  get(text: string): ParseOutcome {
    let r = this.map.get(text);
    if (r) {
      // refresh recency
      this.map.delete(text);
      this.map.set(text, r);
      return r;
    }
    r = parseSql(text);
    this.map.set(text, r);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    return r;
  }
}

export interface LintRun {
  findings: LintFinding[];
  /** Every parsed statement; empty when the run streamed (LintTextOptions.stream). */
  statements: ParsedStatement[];
  /** How many statements parsed (kept or not). */
  statementCount: number;
  /** Per statement: the parse failed (index into `statements` is not assigned). */
  syntaxErrors: number;
}

export interface LintTextOptions {
  rules?: readonly Rule[];
  cache?: ParseCache;
  /** Call every rule on every statement, ignoring Rule.kinds (the test that checks the kinds uses it). */
  ignoreRuleKinds?: boolean;
  /**
   * Stream the file (the CLI): parse it a chunk at a time and drop each statement's tree once linted, so memory
   * stays flat in the file's size; LintRun.statements is then empty (same findings). Ignored with a parse
   * cache or a live context (the editor and live runs need every statement).
   */
  stream?: boolean;
  /**
   * Called after each chunk of statements is linted (a streamed run: every CHUNK_PIECES statements; otherwise once
   * all are parsed): the CLI looks at its memory there (v8Tuning.ts).
   */
  onChunk?: () => void;
}

interface IgnoreDirective {
  comment: SqlComment;
  /** Empty = every rule. */
  ruleIds: string[];
  scope: 'file' | 'next';
  /** Statement index it applies to (scope next). */
  target: number | undefined;
  used: boolean;
}

const DISABLE_ASSUME_RE = /^(pgopt|squawk)-disable-assume-in-transaction\s*$/i;
const IGNORE_RE = /^(pgopt|squawk)-ignore(-file)?(?:\s+(.*))?$/i;

function parseIgnores(comments: SqlComment[]): IgnoreDirective[] {
  const out: IgnoreDirective[] = [];
  for (const c of comments) {
    if (c.kind !== 'line') continue;
    const m = IGNORE_RE.exec(c.body);
    if (!m) continue;
    const ids = (m[3] ?? '')
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    out.push({ comment: c, ruleIds: ids, scope: m[2] ? 'file' : 'next', target: undefined, used: false });
  }
  return out;
}

interface SectionMarker {
  at: number;
  section: 'up' | 'down';
}

function sectionMarkers(comments: SqlComment[]): SectionMarker[] {
  return comments
    .map((c) => {
      const m = /^migrate:(up|down)\b/i.exec(c.body);
      return m ? { at: c.start, section: (m[1] ?? 'up').toLowerCase() as 'up' | 'down' } : undefined;
    })
    .filter((x): x is SectionMarker => x !== undefined);
}

function effectiveSeverity(
  rule: { id: string; defaultSeverity: LintSeverity; defaultOff?: boolean; aliases?: string[]; squawk?: string },
  options: LintOptions,
): LintSeverity | undefined {
  // The rule's own id wins over an alias or its squawk id (e.g. require-timeout-settings covers two rules).
  const o = [rule.id, ...(rule.aliases ?? []), ...(rule.squawk ? [rule.squawk] : [])].map((k) => options.rules[k]).find((v) => v !== undefined);
  if (o === 'off') return undefined;
  if (o) return o;
  return rule.defaultOff ? undefined : rule.defaultSeverity;
}

/** Pieces that failed alone are retried joined with their successors (BEGIN ATOMIC bodies contain `;`). */
const MAX_JOIN = 8;

interface Unit {
  start: number;
  end: number;
  text: string;
  outcome: ParseOutcome;
  /** See ParsedStatement.locationBase. */
  locationBase: number;
}

/** Walks memoised per statement on the CLI path (see forgetWalks): the statement's own and a few sub-walks. */
const WALK_MEMO_BUDGET = 16;

/** Distinct finding texts interned per file at most (see intern in lintText). */
const MAX_INTERNED = 10_000;

/**
 * Findings a file makes before their texts are interned: below this the copies weigh nothing, and hashing each
 * message (built anew for each finding) cost ~8 ms on Lemmy's 684 small files (8,000 findings).
 */
const INTERN_FROM = 500;

/** Statements per parser call when a file is parsed in chunks (see parseChunks). */
const CHUNK_PIECES = 500;

/**
 * One parser call for a run of pieces (about twice as fast as one call per statement, measured on a 1 MB
 * file) when that text parses cleanly and its statements line up with the splitter's pieces; undefined
 * otherwise, and the caller falls back to statement-by-statement parsing for those pieces.
 */
function parseRun(text: string, pieces: SqlPiece[], from: number, to: number): Unit[] | undefined {
  const first = pieces[from] as SqlPiece;
  const base = first.start;
  const chunk = text.slice(base, (pieces[to - 1] as SqlPiece).end);
  const whole = parseSql(chunk);
  if (!whole.ok || whole.stmts.length !== to - from) return undefined;
  const ascii = /^[\x00-\x7f]*$/.test(chunk);
  const units: Unit[] = [];
  let bytePos = 0;
  let charPos = base;
  for (let i = from; i < to; i++) {
    const p = pieces[i] as SqlPiece;
    const s = whole.stmts[i - from];
    if (!s) return undefined;
    bytePos += ascii ? p.start - charPos : Buffer.byteLength(text.slice(charPos, p.start));
    charPos = p.start;
    const stmtEnd = s.length === undefined ? Number.POSITIVE_INFINITY : s.location + s.length;
    if (bytePos < s.location || bytePos >= stmtEnd) return undefined;
    units.push({ start: p.start, end: p.end, text: p.text, outcome: { ok: true, stmts: [s] }, locationBase: bytePos });
  }
  return units;
}

/**
 * Characters per parser call at most (a chunk holds fewer statements when they are long): the WASM parser's
 * heap grows to the largest input it was given and never shrinks, so no single call gets a huge input.
 */
const CHUNK_CHARS = 64 * 1024;

/**
 * The CLI path (no parse cache): the file is parsed CHUNK_PIECES statements (at most CHUNK_CHARS) per parser
 * call, one chunk at a time as the engine asks for it, so only one chunk's trees exist at once. A chunk that
 * does not parse cleanly falls back to statement by statement on its own. Pieces are let go once parsed.
 */
function* parseChunks(text: string, pieces: (SqlPiece | undefined)[]): Generator<Unit[]> {
  const cache = new ParseCache(64);
  const piece = (i: number): SqlPiece => pieces[i] as SqlPiece;
  for (let from = 0; from < pieces.length; ) {
    let to = from + 1;
    const limit = piece(from).start + CHUNK_CHARS;
    while (to < pieces.length && to - from < CHUNK_PIECES && piece(to).end <= limit) to++;
    const run = parseRun(text, pieces as SqlPiece[], from, to);
    let next = to;
    let units: Unit[];
    if (run) units = run;
    else {
      // A statement that failed alone may be joined with its successors (BEGIN ATOMIC bodies), across the
      // chunk's end too: parse from here piece by piece until past this chunk.
      units = [];
      const rest = parsePieces(text, pieces.slice(from, Math.min(pieces.length, to + MAX_JOIN)) as SqlPiece[], cache);
      let k = from;
      for (const u of rest) {
        if (u.start >= piece(to - 1).end) break;
        units.push(u);
        while (k < pieces.length && piece(k).end < u.end) k++;
        next = Math.max(next, k + 1);
      }
    }
    pieces.fill(undefined, from, next);
    from = next;
    yield units;
  }
}

function parsePieces(text: string, pieces: SqlPiece[], cache: ParseCache): Unit[] {
  const units: Unit[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i] as SqlPiece;
    const outcome = cache.get(p.text);
    if (outcome.ok) {
      units.push({ start: p.start, end: p.end, text: p.text, outcome, locationBase: 0 });
      continue;
    }
    let joined: Unit | undefined;
    for (let k = i + 1; k < Math.min(pieces.length, i + 1 + MAX_JOIN) && !joined; k++) {
      const last = pieces[k] as SqlPiece;
      const t = text.slice(p.start, last.end);
      const o = parseSql(t);
      if (o.ok && o.stmts.length === 1) {
        joined = { start: p.start, end: last.end, text: t, outcome: o, locationBase: 0 };
        i = k;
      }
    }
    units.push(joined ?? { start: p.start, end: p.end, text: p.text, outcome, locationBase: 0 });
  }
  return units;
}

interface EnabledRule {
  rule: Rule;
  severity: LintSeverity;
}

/** Which rules run, at what severity, and which of them look at each statement kind: the same for every file of a run. */
interface RulePlan {
  enabled: EnabledRule[];
  /** The enabled rules with a finish step, and those with an afterFile step, in rule order (few of either). */
  finishing: EnabledRule[];
  afterFile: EnabledRule[];
  /** The enabled rules that look at a statement of this kind (Rule.kinds), in rule order. */
  rulesFor(kind: string): EnabledRule[];
  /** The enabled rules whose summarize step looks at a statement of this kind (Rule.summarizeKinds), in rule order. */
  summarizersFor(kind: string): EnabledRule[];
}

/** Plans per rule list, by the options they depend on (a CLI run lints every file with the same ones). */
const plans = new WeakMap<readonly Rule[], Map<string, RulePlan>>();
const MAX_PLANS = 16;

function rulePlan(rules: readonly Rule[], options: LintOptions, ignoreRuleKinds: boolean): RulePlan {
  // Everything the plan depends on: rule severities (options.rules), whether live rules may run, Rule.kinds use.
  const key = `${options.live !== undefined ? 1 : 0}${ignoreRuleKinds ? 1 : 0}${JSON.stringify(options.rules)}`;
  let byKey = plans.get(rules);
  if (!byKey) plans.set(rules, (byKey = new Map()));
  let plan = byKey.get(key);
  if (plan) return plan;
  const enabled = rules
    .map((r) => ({ rule: r, severity: effectiveSeverity(r.meta, options) }))
    .filter((x): x is EnabledRule => x.severity !== undefined)
    // Live rules run only with a live context (a connection); see live.ts.
    .filter((x) => !x.rule.meta.needsConnection || options.live !== undefined);
  // Most rules act on one or two kinds, and calling each on every statement only to return was a large share
  // of a cold run.
  const byKind = new Map<string, EnabledRule[]>();
  const summarizing = enabled.filter((x) => x.rule.summarize !== undefined);
  const summarizersByKind = new Map<string, EnabledRule[]>();
  plan = {
    enabled,
    finishing: enabled.filter((e) => e.rule.finish !== undefined),
    afterFile: enabled.filter((e) => e.rule.afterFile !== undefined),
    summarizersFor(kind: string): EnabledRule[] {
      let list = summarizersByKind.get(kind);
      if (!list) summarizersByKind.set(kind, (list = ignoreRuleKinds ? summarizing : summarizing.filter((e) => !e.rule.summarizeKinds || e.rule.summarizeKinds.includes(kind))));
      return list;
    },
    rulesFor(kind: string): EnabledRule[] {
      let list = byKind.get(kind);
      if (!list) byKind.set(kind, (list = ignoreRuleKinds ? enabled : enabled.filter((e) => !e.rule.kinds || e.rule.kinds.includes(kind))));
      return list;
    },
  };
  if (byKey.size >= MAX_PLANS) byKey.clear();
  byKey.set(key, plan);
  return plan;
}

function kindOf(node: Node): string {
  return nodeKind(node) ?? 'Unknown';
}

/**
 * Lints one file's text. Call loadParser() once before (lintTextAsync does).
 *
 * Statement by statement: every rule checks a statement, then every rule's summarize step records what later
 * statements need from it (summaries.ts), then the file state moves past it. Rules that look back read those
 * facts; rules that look ahead hold their finding and release it later (a later statement's summarize, or
 * their finish step). No rule reads another statement's tree, so without a parse cache or a live context
 * (the CLI) the file is parsed a chunk at a time and each chunk's trees are dropped once linted: memory stays
 * flat in the file's size (LintTextOptions.stream). The editor and live runs keep every statement.
 */
export function lintText(raw: string, partial: Partial<LintOptions> = {}, opts: LintTextOptions = {}): LintRun {
  // A leading BOM is not SQL (psql skips it); blanked, not removed, so offsets stay valid in the caller's text.
  const text = blankBom(raw);
  const options: LintOptions = { ...DEFAULT_LINT_OPTIONS, ...partial, rules: { ...DEFAULT_LINT_OPTIONS.rules, ...partial.rules } };
  const rules = opts.rules ?? RULES;
  const lines = new LineIndex(text);
  const split = splitSql(text);
  const comments = split.comments;
  // `-- squawk-disable-assume-in-transaction` (or pgopt-): this file manages its own transactions.
  if (options.assumeInTransaction && comments.some((c) => c.kind === 'line' && DISABLE_ASSUME_RE.test(c.body))) options.assumeInTransaction = false;
  // The editor and live runs keep every statement (hover, code actions, the live context); the CLI streams.
  const keep = !opts.stream || opts.cache !== undefined || options.live !== undefined;
  // With a cache (the editor), parse per statement so an edit re-parses only what changed; without one
  // (CLI, one pass per file), a chunk of statements per parser call, one chunk at a time.
  const pieces: (SqlPiece | undefined)[] = split.pieces;
  split.pieces = [];
  const chunks: Iterable<Unit[]> = opts.cache ? [parsePieces(text, pieces as SqlPiece[], opts.cache)] : parseChunks(text, pieces);
  const markers = sectionMarkers(comments);
  const findings: LintFinding[] = [];

  // Findings' texts repeat (the same message for every ALTER of a table): one copy each per file, which
  // halves the findings' memory on a file with thousands of similar statements.
  const texts = new Map<string, string>();
  let made = 0;
  const intern = (t: string): string => {
    if (made < INTERN_FROM) return t;
    const known = texts.get(t);
    if (known !== undefined) return known;
    // Bounded: past this many distinct texts they are mostly one-offs (a column name in each), not worth a slot.
    if (texts.size < MAX_INTERNED) texts.set(t, t);
    return t;
  };
  const mkFinding = (ruleId: string, severity: LintSeverity, message: string, start: number, end: number, extra: Partial<LintFinding> = {}): LintFinding => {
    made++;
    const s = lines.positionAt(start);
    const e = lines.positionAt(Math.max(start, end));
    // Built field by field in one order (no spread of a temporary object per finding); optional fields after.
    const f: LintFinding = { ruleId, severity, message: intern(message), start, end: Math.max(start, end), line: s.line, column: s.column, endLine: e.line, endColumn: e.column };
    if (extra.help !== undefined) f.help = intern(extra.help);
    if (extra.fix) {
      f.fix = extra.fix;
      f.fix.title = intern(f.fix.title);
      const edits = f.fix.edits;
      for (let i = 0; i < edits.length; i++) (edits[i] as (typeof edits)[number]).newText = intern((edits[i] as (typeof edits)[number]).newText);
    }
    if (extra.statementIndex !== undefined) f.statementIndex = extra.statementIndex;
    return f;
  };

  // Ignore comments: a `next` directive applies to the first statement that starts after it (assigned as
  // statements arrive; comments are in file order).
  const ignores = parseIgnores(comments);
  const nextIgnores = ignores.filter((d) => d.scope === 'next');
  let nextIgnore = 0;

  // Statements, in file order (kept only when `keep`).
  const statements: ParsedStatement[] = [];
  let statementCount = 0;
  let syntaxErrors = 0;
  const syntaxSeverity = effectiveSeverity({ id: SYNTAX_ERROR, defaultSeverity: 'error' }, options);
  /** Calls `each` on the statements of a chunk's units, in order (syntax errors become findings). */
  const forEachStatement = (units: Unit[], each: (stmt: ParsedStatement) => void): void => {
    for (let i = 0; i < units.length; i++) {
      const u = units[i] as Unit;
      if (!u.outcome.ok) {
        syntaxErrors++;
        if (syntaxSeverity) {
          const at = u.start + u.outcome.cursor;
          const word = /^[^\s;(),]+/.exec(text.slice(at, at + 64))?.[0].length ?? 1;
          findings.push(mkFinding(SYNTAX_ERROR, syntaxSeverity, `Syntax error: ${u.outcome.message}`, at, Math.min(u.end, at + Math.max(1, word))));
        }
        continue;
      }
      let section: 'up' | 'down' | undefined;
      for (let m = 0; m < markers.length; m++) if ((markers[m] as SectionMarker).at <= u.start) section = (markers[m] as SectionMarker).section;
      const stmts = u.outcome.stmts;
      for (let k = 0; k < stmts.length; k++) {
        const s = stmts[k] as (typeof stmts)[number];
        const index = statementCount++;
        while (nextIgnore < nextIgnores.length && (nextIgnores[nextIgnore] as IgnoreDirective).comment.end <= u.start) (nextIgnores[nextIgnore++] as IgnoreDirective).target = index;
        each({ index, node: s.node, kind: kindOf(s.node), text: u.text, start: u.start, end: u.end, section, locationBase: u.locationBase });
      }
    }
  };

  // Walk with file state.
  const initialCreated = new Set<string>([...(options.newTables ?? []), ...(options.live?.createdByEarlierFiles ?? [])].map((t) => t.toLowerCase().split('.').pop() ?? t));
  const created = new NewTables(initialCreated);
  const isNewTable = (rel: RelName | undefined): boolean => created.has(rel);
  const state = new RunFileState(options, isNewTable, keep ? statements : undefined);
  const plan = rulePlan(rules, options, !!opts.ignoreRuleKinds);
  const enabled = plan.enabled;
  const summarizersFor = plan.summarizersFor;
  const internalSeverity = effectiveSeverity({ id: INTERNAL_ERROR, defaultSeverity: 'hint' }, options);
  const rulesFor = plan.rulesFor;
  const internalError = (id: string, stmt: ParsedStatement, e: unknown): void => {
    if (!internalSeverity) return;
    findings.push(mkFinding(INTERNAL_ERROR, internalSeverity, `Rule ${id} failed on this statement: ${(e as Error).message}. Please report it.`, stmt.start, stmt.end, { statementIndex: stmt.index }));
  };
  const release = (f: LintFinding): void => {
    findings.push(f);
  };

  const tx: TxTracking = { atBegin: undefined, localLock: false, localStatement: false };
  let section: ParsedStatement['section'];
  // `current` says which rule is reporting (no closure per rule and statement).
  let current: EnabledRule | undefined;
  if (!opts.cache) forgetWalks(WALK_MEMO_BUDGET);
  // One context for the whole run, pointed at each statement in turn (rules never keep it past a call).
  let stmt = undefined as unknown as ParsedStatement;
  const fileOffset = (loc: number): number => stmt.start + byteToCharOffset(stmt.text, loc - stmt.locationBase);
  const hold = (r: ReportOptions): LintFinding => {
    const rule = current as EnabledRule;
    let start = stmt.start;
    let end = stmt.end;
    if (r.at && 'location' in r.at) {
      start = fileOffset(r.at.location);
      end = r.at.length !== undefined ? start + r.at.length : Math.min(stmt.end, start + (/^[^\s;(),]+/.exec(text.slice(start, start + 128))?.[0].length ?? 1));
    } else if (r.at) {
      start = stmt.start + r.at.start;
      end = stmt.start + r.at.end;
    }
    const extra: Partial<LintFinding> = { statementIndex: stmt.index };
    if (r.help !== undefined) extra.help = r.help;
    if (r.fix) extra.fix = r.fix;
    return mkFinding(rule.rule.meta.id, r.severity ?? rule.severity, r.message, start, end, extra);
  };
  const report = (r: ReportOptions): void => {
    if (current) findings.push(hold(r));
  };
  const ctx: RuleContext = { stmt, file: state, report, fileOffset, hold, release };
  const lintStatement = (next: ParsedStatement): void => {
    stmt = next;
    ctx.stmt = next;
    if (stmt.section !== section) {
      // A `-- migrate:down` section runs on its own, later: nothing carries over from the up section.
      section = stmt.section;
      state.inTransaction = options.assumeInTransaction;
      state.lockTimeoutSet = false;
      state.statementTimeoutSet = false;
      state.accessExclusiveHeld = undefined;
      created.reset(initialCreated);
      Object.assign(tx, { atBegin: undefined, localLock: false, localStatement: false });
    }
    // Indexed loops: this runs some 30 times per statement, mostly unoptimised (see v8Tuning.ts), where for...of
    // allocated an iterator result per step.
    const checking = rulesFor(stmt.kind);
    for (let i = 0; i < checking.length; i++) {
      const entry = checking[i] as EnabledRule;
      current = entry;
      try {
        entry.rule.check(ctx);
      } catch (e) {
        internalError(entry.rule.meta.id, stmt, e);
      }
    }
    const summarizing = summarizersFor(stmt.kind);
    for (let i = 0; i < summarizing.length; i++) {
      const entry = summarizing[i] as EnabledRule;
      current = entry;
      try {
        entry.rule.summarize?.(ctx);
      } catch (e) {
        internalError(entry.rule.meta.id, stmt, e);
      }
    }
    current = undefined;
    applyStatementToState(stmt, state, created, tx);
    // Without a parse cache nothing re-lints these trees: do not keep their walks (see forgetWalks).
    if (!opts.cache) forgetWalks(WALK_MEMO_BUDGET);
  };
  if (keep) {
    const keepIt = (s: ParsedStatement): void => {
      statements.push(s);
    };
    for (const units of chunks) {
      forEachStatement(units, keepIt);
      opts.onChunk?.();
    }
    for (let i = 0; i < statements.length; i++) lintStatement(statements[i] as ParsedStatement);
  } else {
    for (const units of chunks) {
      forEachStatement(units, lintStatement);
      opts.onChunk?.();
    }
  }
  if (!opts.cache) forgetWalks();

  // Look-ahead verdicts: held findings the whole file confirmed, in rule order.
  for (const entry of plan.finishing) {
    try {
      entry.rule.finish?.({ file: state, statementCount, release });
    } catch (e) {
      if (internalSeverity) findings.push(mkFinding(INTERNAL_ERROR, internalSeverity, `Rule ${entry.rule.meta.id} failed: ${(e as Error).message}. Please report it.`, 0, 0));
    }
  }

  // File-level passes of the enabled rules (live-table-size annotates the lock rules' findings), in rule order.
  for (const entry of plan.afterFile) {
    const after = entry.rule.afterFile;
    if (!after) continue;
    const id = entry.rule.meta.id;
    try {
      after.call(entry.rule, {
        findings,
        statements,
        options,
        rules,
        report: (message, stmt) => findings.push(mkFinding(id, entry.severity, message, stmt.start, stmt.end, { statementIndex: stmt.index })),
      });
    } catch (e) {
      if (internalSeverity) findings.push(mkFinding(INTERNAL_ERROR, internalSeverity, `Rule ${id} failed: ${(e as Error).message}. Please report it.`, 0, 0));
    }
  }

  // One finding per problem: a rule that supersedes another at the same place keeps only its own finding.
  dropSuperseded(findings, rules);

  // Suppress ignored findings and report ignores that suppressed nothing.
  const kept: LintFinding[] = [];
  const namesOf = ignores.length === 0 ? undefined : ruleNamesOf(rules);
  for (let i = 0; i < findings.length; i++) {
    const f = findings[i] as LintFinding;
    if (ignores.length === 0) {
      kept.push(f);
      continue;
    }
    const names = namesOf?.get(f.ruleId) ?? [f.ruleId];
    const directive = ignores.find(
      (d) =>
        (d.scope === 'file' || (d.target !== undefined && d.target === f.statementIndex)) &&
        (d.ruleIds.length === 0 || d.ruleIds.some((id) => names.includes(id))),
    );
    if (directive && f.ruleId !== SYNTAX_ERROR) {
      directive.used = true;
      continue;
    }
    kept.push(f);
  }
  const unusedSeverity = effectiveSeverity({ id: UNUSED_IGNORE, defaultSeverity: 'warning' }, options);
  if (unusedSeverity) {
    for (const d of ignores) {
      if (d.used) continue;
      const what = d.ruleIds.length ? d.ruleIds.join(', ') : 'all rules';
      kept.push(
        mkFinding(
          UNUSED_IGNORE,
          unusedSeverity,
          d.scope === 'file' ? `This ignore-file comment (${what}) suppresses nothing in this file.` : `This ignore comment (${what}) suppresses nothing${d.target === undefined ? ': no statement follows it' : ' on the next statement'}.`,
          d.comment.start,
          d.comment.end,
          { fix: { title: 'Remove the unused ignore comment', edits: [{ start: d.comment.start, end: lineEndIncludingNewline(text, d.comment.end), newText: '' }] } },
        ),
      );
    }
  }
  // Rule ids (lower-case ASCII words and hyphens) in code-unit order: the same order localeCompare gave them (en,
  // da, C; tested on every pair of ids), but the same in every locale and without ICU, whose collator set-up was
  // ~6 ms of every cold `pgopt lint`.
  kept.sort((a, b) => a.start - b.start || (a.ruleId === b.ruleId ? 0 : a.ruleId < b.ruleId ? -1 : 1));
  return { findings: kept, statements, statementCount, syntaxErrors };
}

/** The names an ignore comment may use for each rule's findings, per rule list (made once). */
const namesByRules = new WeakMap<readonly Rule[], Map<string, string[]>>();
function ruleNamesOf(rules: readonly Rule[]): Map<string, string[]> {
  let namesOf = namesByRules.get(rules);
  if (namesOf) return namesOf;
  const ownNames = (r: Rule): string[] => [r.meta.id, ...(r.meta.aliases ?? []), ...(r.meta.squawk && r.meta.squawk !== r.meta.id ? [r.meta.squawk] : [])];
  namesOf = new Map<string, string[]>(rules.map((r) => [r.meta.id, ownNames(r)]));
  // A superseding rule's finding stands for both: an ignore naming either rule suppresses it.
  for (const r of rules) for (const id of r.meta.supersedes ?? []) {
    const other = rules.find((x) => x.meta.id === id);
    if (other) namesOf.set(r.meta.id, [...(namesOf.get(r.meta.id) ?? []), ...ownNames(other)]);
  }
  namesByRules.set(rules, namesOf);
  return namesOf;
}

/** Which rule supersedes which, per rule list (made once): the superseding ids, and per superseded id its superseders. */
interface Supersession {
  uppers: Set<string>;
  uppersOf: Map<string, string[]>;
}
const supersessionByRules = new WeakMap<readonly Rule[], Supersession>();

function supersession(rules: readonly Rule[]): Supersession {
  let made = supersessionByRules.get(rules);
  if (made) return made;
  made = { uppers: new Set(), uppersOf: new Map() };
  for (const r of rules) {
    for (const lower of r.meta.supersedes ?? []) {
      made.uppers.add(r.meta.id);
      const list = made.uppersOf.get(lower);
      if (list) list.push(r.meta.id);
      else made.uppersOf.set(lower, [r.meta.id]);
    }
  }
  supersessionByRules.set(rules, made);
  return made;
}

function dropSuperseded(findings: LintFinding[], rules: readonly Rule[]): void {
  const { uppers, uppersOf } = supersession(rules);
  if (uppersOf.size === 0) return;
  const at = (f: LintFinding): string => `${f.statementIndex ?? -1}:${f.start}`;
  let upperAt: Set<string> | undefined;
  for (let i = 0; i < findings.length; i++) {
    const f = findings[i] as LintFinding;
    if (uppers.has(f.ruleId)) (upperAt ??= new Set()).add(`${f.ruleId}@${at(f)}`);
  }
  // No superseding finding in the file: nothing to drop (no key built per finding).
  if (!upperAt) return;
  // Filtered in place, in order (one pass; it spliced each dropped finding out).
  let kept = 0;
  for (let i = 0; i < findings.length; i++) {
    const f = findings[i] as LintFinding;
    const ups = uppersOf.get(f.ruleId);
    let drop = false;
    if (ups) {
      const where = at(f);
      for (let k = 0; k < ups.length && !drop; k++) drop = upperAt.has(`${ups[k]}@${where}`);
    }
    if (!drop) findings[kept++] = f;
  }
  findings.length = kept;
}

function lineEndIncludingNewline(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl < 0 ? text.length : nl + 1;
}

/**
 * The file state of a run: one class, so every run's state has the same shape and rules' `file.*` reads stay
 * monomorphic (a getter defined on the object itself turned it into a dictionary). `statements` throws when the
 * run streams (the trees are dropped as linted).
 */
class RunFileState implements FileState {
  /** The rules' per-run memo (summaries.ts fileMemo), declared here so that the object's shape is set once. */
  [FILE_MEMO]: Map<string, unknown> | undefined = undefined;
  inTransaction: boolean;
  lockTimeoutSet = false;
  statementTimeoutSet = false;
  accessExclusiveHeld: RelName | undefined = undefined;
  constructor(
    readonly options: LintOptions,
    readonly isNewTable: (rel: RelName | undefined) => boolean,
    private readonly kept: readonly ParsedStatement[] | undefined,
  ) {
    this.inTransaction = options.assumeInTransaction;
  }
  get statements(): readonly ParsedStatement[] {
    if (!this.kept) throw new Error('file.statements is only available to live rules: this run streams (look back through summaries.ts, look ahead with hold/finish)');
    return this.kept;
  }
}

/**
 * The tables created earlier in the file (by relKey), and isNewTable's last question and answer: some twenty rules
 * ask about the same ALTER TABLE's table in a row (alterTableOf hands each the same RelName). Every change forgets it.
 */
export class NewTables {
  private readonly keys: Set<string>;
  private lastRel: RelName | undefined = undefined;
  private lastAnswer = false;
  constructor(keys: ReadonlySet<string>) {
    this.keys = new Set(keys);
  }
  has(rel: RelName | undefined): boolean {
    if (!rel) return false;
    if (rel === this.lastRel) return this.lastAnswer;
    const answer = this.keys.has(relKey(rel));
    this.lastRel = rel;
    this.lastAnswer = answer;
    return answer;
  }
  add(key: string): void {
    this.keys.add(key);
    this.lastRel = undefined;
  }
  reset(keys: ReadonlySet<string>): void {
    this.keys.clear();
    for (const k of keys) this.keys.add(k);
    this.lastRel = undefined;
  }
}

/** Updates the file state after a statement ran: created tables, transactions, timeouts, held locks. */
interface TxTracking {
  /** Timeout state when the explicit transaction began (restored by ROLLBACK). */
  atBegin: { lock: boolean; statement: boolean } | undefined;
  localLock: boolean;
  localStatement: boolean;
}

function applyStatementToState(stmt: ParsedStatement, state: FileState, created: NewTables, tx: TxTracking): void {
  const u = unwrap(stmt.node);
  if (!u) return;
  const [kind, s] = u;
  if (kind === 'CreateStmt' || kind === 'CreateTableAsStmt') {
    const rv = kind === 'CreateStmt' ? (s as { relation?: Parameters<typeof relName>[0] }).relation : as<{ rel?: Parameters<typeof relName>[0] }>((s as { into?: Node }).into, 'IntoClause')?.rel;
    const rel = relName(rv);
    if (rel) created.add(relKey(rel));
  }
  if (kind === 'TransactionStmt') {
    const k = String((s as { kind?: string }).kind ?? '');
    if (k === 'TRANS_STMT_BEGIN' || k === 'TRANS_STMT_START') {
      state.inTransaction = true;
      tx.atBegin = { lock: state.lockTimeoutSet, statement: state.statementTimeoutSet };
    }
    const commit = k === 'TRANS_STMT_COMMIT' || k === 'TRANS_STMT_COMMIT_PREPARED' || k === 'TRANS_STMT_PREPARE';
    const rollback = k === 'TRANS_STMT_ROLLBACK';
    if (commit || rollback) {
      // An explicit COMMIT/ROLLBACK ends the runner's transaction too: what follows runs outside one.
      state.inTransaction = false;
      state.accessExclusiveHeld = undefined;
      if (rollback && tx.atBegin) {
        state.lockTimeoutSet = tx.atBegin.lock;
        state.statementTimeoutSet = tx.atBegin.statement;
      }
      // SET LOCAL ends with the transaction.
      if (tx.localLock) state.lockTimeoutSet = tx.atBegin?.lock ?? false;
      if (tx.localStatement) state.statementTimeoutSet = tx.atBegin?.statement ?? false;
      tx.atBegin = undefined;
      tx.localLock = false;
      tx.localStatement = false;
    }
  }
  if (kind === 'VariableSetStmt') {
    const v = s as { name?: string; kind?: string; args?: Node[]; is_local?: boolean };
    const name = (v.name ?? '').toLowerCase();
    const disabling = v.kind === 'VAR_RESET' || v.kind === 'VAR_SET_DEFAULT' || isZeroSetting(v.args);
    if (name === 'lock_timeout') {
      state.lockTimeoutSet = !disabling;
      tx.localLock = !!v.is_local;
    }
    if (name === 'statement_timeout') {
      state.statementTimeoutSet = !disabling;
      tx.localStatement = !!v.is_local;
    }
    if (v.kind === 'VAR_RESET_ALL') {
      state.lockTimeoutSet = false;
      state.statementTimeoutSet = false;
    }
  }
  // The first ACCESS EXCLUSIVE lock of the transaction on an existing table; the lock is worked out only while
  // that can still change something (in a transaction, none held yet).
  if (state.inTransaction && state.accessExclusiveHeld === undefined && kind !== 'DropStmt') {
    const lock = statementLock(stmt);
    if (lock?.mode === 'ACCESS EXCLUSIVE' && lock.rel && !state.isNewTable(lock.rel)) state.accessExclusiveHeld = lock.rel;
  }
}

function isZeroSetting(args: Node[] | undefined): boolean {
  const a = args?.[0];
  const c = as<{ ival?: { ival?: number }; sval?: { sval?: string } }>(a, 'A_Const');
  if (!c) return false;
  if (c.ival) return (c.ival.ival ?? 0) === 0;
  if (c.sval) return /^0\s*(ms|s|min)?$/i.test(c.sval.sval ?? '');
  return false;
}

/** Loads the parser, then lints. */
export async function lintTextAsync(text: string, options: Partial<LintOptions> = {}, opts: LintTextOptions = {}): Promise<LintRun> {
  await loadParser();
  return lintText(text, options, opts);
}

export { loadParser };
