import type {
  AlterTableCmd,
  ColumnDef,
  CreateExtensionStmt,
  CreateFunctionStmt,
  CreateSchemaStmt,
  CreateSeqStmt,
  CreateStmt,
  CreateTableAsStmt,
  DropStmt,
  IndexStmt,
  Node,
  ViewStmt,
} from '@pgsql/types';
import { alterTableOf, as, constraintOf, relLabel, relName, stmtOffset, strings, unwrap } from '../ast';
import { fileMemo } from '../summaries';
import { offsetAfter } from '../../sql/textScan';
import { quoteIdentIfNeeded } from '../../sql/quote';
import type { FileState, LintFinding, RelName, ReportOptions, Rule, RuleContext } from '../types';

/** DROP object kinds this rule checks, with the keywords after DROP (where IF EXISTS goes). */
const DROP_KINDS: Record<string, { key: string; words: string; label: string }> = {
  OBJECT_TABLE: { key: 'table', words: 'TABLE', label: 'TABLE' },
  OBJECT_INDEX: { key: 'index', words: 'INDEX(?:\\s+CONCURRENTLY)?', label: 'INDEX' },
  OBJECT_SEQUENCE: { key: 'sequence', words: 'SEQUENCE', label: 'SEQUENCE' },
  OBJECT_VIEW: { key: 'view', words: 'VIEW', label: 'VIEW' },
  OBJECT_MATVIEW: { key: 'table', words: 'MATERIALIZED\\s+VIEW', label: 'MATERIALIZED VIEW' },
  OBJECT_FOREIGN_TABLE: { key: 'table', words: 'FOREIGN\\s+TABLE', label: 'FOREIGN TABLE' },
  OBJECT_TYPE: { key: 'type', words: 'TYPE', label: 'TYPE' },
  OBJECT_DOMAIN: { key: 'type', words: 'DOMAIN', label: 'DOMAIN' },
  OBJECT_SCHEMA: { key: 'schema', words: 'SCHEMA', label: 'SCHEMA' },
  OBJECT_EXTENSION: { key: 'extension', words: 'EXTENSION', label: 'EXTENSION' },
  OBJECT_FUNCTION: { key: 'function', words: 'FUNCTION', label: 'FUNCTION' },
  OBJECT_PROCEDURE: { key: 'function', words: 'PROCEDURE', label: 'PROCEDURE' },
  OBJECT_TRIGGER: { key: 'trigger', words: 'TRIGGER', label: 'TRIGGER' },
};

const RERUN = 'if the migration fails part way (here or later) and is re-run, it stops here';

/** Names of the objects of a DROP statement (last name part, lower-case). */
function dropNames(d: DropStmt): string[] {
  const out: string[] = [];
  for (const o of d.objects ?? []) {
    const list = as<{ items?: Node[] }>(o, 'List');
    const names = list ? strings(list.items) : strings([o]);
    const owa = as<{ objname?: Node[] }>(o, 'ObjectWithArgs');
    const all = owa ? strings(owa.objname) : names;
    const last = all[all.length - 1];
    if (last) out.push(last.toLowerCase());
  }
  return out;
}

function tableKey(rel: RelName | undefined): string {
  return rel?.name.toLowerCase() ?? '?';
}

/** What the rule remembers of the statements before the current one (recorded by summarize). */
interface RobustState {
  /** Per object key, per section, the latest statement that drops it. */
  lastDrop: Map<string, Map<string | undefined, number>>;
  /** Per constraint key, the latest statement that adds it. */
  lastAdd: Map<string, number>;
  /** Per section, how many statements do real work (not SET or transaction control). */
  work: Map<string | undefined, number>;
  /** Findings of statements that were their section's only work so far: reported at finish if more follows. */
  held: { section: string | undefined; finding: LintFinding }[];
}

function robustState(ctx: { file: FileState }): RobustState {
  return fileMemo(ctx.file, 'prefer-robust-stmts', () => ({ lastDrop: new Map(), lastAdd: new Map(), work: new Map(), held: [] }));
}

/** Records what later statements need: the objects this one drops, the constraints it adds, whether it is work. */
function summarizeRobust(ctx: RuleContext): void {
  const st = robustState(ctx);
  const s = ctx.stmt;
  if (s.kind !== 'TransactionStmt' && s.kind !== 'VariableSetStmt') st.work.set(s.section, (st.work.get(s.section) ?? 0) + 1);
  if (s.kind !== 'DropStmt' && s.kind !== 'AlterTableStmt') return;
  const dropped = (key: string): void => {
    let m = st.lastDrop.get(key);
    if (!m) st.lastDrop.set(key, (m = new Map()));
    m.set(s.section, s.index);
  };
  const d = s.kind === 'DropStmt' ? as<DropStmt>(s.node, 'DropStmt') : undefined;
  const kind = d ? DROP_KINDS[d.removeType ?? ''] : undefined;
  if (d && kind) for (const n of dropNames(d)) dropped(`${kind.key}:${n}`);
  const at = s.kind === 'AlterTableStmt' ? alterTableOf(s.node) : undefined;
  if (at) {
    const keys = new Set<string>();
    for (const cmd of at.cmds) {
      addDroppedByCmd(keys, at.rel, cmd);
      const name = cmd.subtype === 'AT_AddConstraint' ? constraintOf(cmd.def)?.conname : undefined;
      if (name) st.lastAdd.set(`constraint:${tableKey(at.rel)}.${name.toLowerCase()}`, s.index);
    }
    for (const k of keys) dropped(k);
  }
}

/**
 * Whether an earlier statement of the section dropped the object: a later CREATE of it re-runs fine. For a
 * constraint, the drop covers only the first ADD after it (a second ADD of the same name is not robust).
 */
function droppedBefore(ctx: RuleContext, key: string): boolean {
  const st = robustState(ctx);
  const drop = st.lastDrop.get(key)?.get(ctx.stmt.section);
  if (drop === undefined) return false;
  const add = st.lastAdd.get(key);
  return add === undefined || add < drop;
}

function addDroppedByCmd(out: Set<string>, rel: RelName | undefined, cmd: AlterTableCmd): void {
  if (cmd.subtype === 'AT_DropColumn' && cmd.name) out.add(`column:${tableKey(rel)}.${cmd.name.toLowerCase()}`);
  if (cmd.subtype === 'AT_DropConstraint' && cmd.name) out.add(`constraint:${tableKey(rel)}.${cmd.name.toLowerCase()}`);
}

/**
 * Reports when the section has more than one statement that could fail (SET and transaction control cannot,
 * meaningfully): a migration of one statement is atomic, so re-running it after a failure is always clean.
 * Until a second such statement shows up, the finding is held (see finish).
 */
function reporter(ctx: RuleContext): (r: ReportOptions) => void {
  const st = robustState(ctx);
  if ((st.work.get(ctx.stmt.section) ?? 0) >= 1) return (r) => ctx.report(r);
  return (r) => {
    st.held.push({ section: ctx.stmt.section, finding: ctx.hold(r) });
  };
}

function insertFix(ctx: RuleContext, title: string, at: number | undefined, text: string): Pick<ReportOptions, 'fix'> {
  return at === undefined ? {} : { fix: { title, edits: [{ start: ctx.stmt.start + at, end: ctx.stmt.start + at, newText: text }] } };
}

const DROP_WORD = /\bDROP\s+/gi;
const COLUMN_WORD = /COLUMN\s+/iy;
const CONSTRAINT_WORD = /CONSTRAINT\s+/iy;
const IDENT_CHAR = /[\w$]/;

/** A UTF-16 unit as a case-insensitive (non-Unicode) JavaScript regular expression compares it. */
function canonical(c: string): string {
  const u = c.toUpperCase();
  return u.length === 1 && !(c.charCodeAt(0) >= 128 && u.charCodeAt(0) < 128) ? u : c;
}

/** `s` at `at` in `text`, ignoring case, and no identifier character right after it. */
function nameAt(text: string, at: number, s: string): boolean {
  if (at + s.length > text.length) return false;
  for (let i = 0; i < s.length; i++) {
    const a = text[at + i] as string;
    const b = s[i] as string;
    if (a !== b && canonical(a) !== canonical(b)) return false;
  }
  return !IDENT_CHAR.test(text[at + s.length] ?? '');
}

/**
 * Offset (in the statement text) of the dropped column's or constraint's name after the first `DROP [COLUMN]`
 * or `DROP CONSTRAINT` that names it, written plainly or quoted; where IF EXISTS goes. One scan with fixed
 * patterns: a pattern per name (compiled for each of them) cost ~0.1 ms a name, 20 ms on Lemmy's migrations.
 */
function dropTargetOffset(text: string, what: 'COLUMN' | 'CONSTRAINT', name: string): number | undefined {
  const quoted = `"${name.replace(/"/g, '""')}"`;
  const word = what === 'COLUMN' ? COLUMN_WORD : CONSTRAINT_WORD;
  DROP_WORD.lastIndex = 0;
  for (let m = DROP_WORD.exec(text); m; m = DROP_WORD.exec(text)) {
    const after = m.index + m[0].length;
    word.lastIndex = after;
    const w = word.exec(text);
    // As the regular expression `\bDROP\s+(?:COLUMN\s+)?(?=name)` would: the longer form first.
    if (w && (nameAt(text, after + w[0].length, quoted) || nameAt(text, after + w[0].length, name))) return after + w[0].length;
    if (what === 'COLUMN' && (nameAt(text, after, quoted) || nameAt(text, after, name))) return after;
  }
  return undefined;
}

const CREATE_TABLE = /^CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMPORARY|TEMP|UNLOGGED)\s+)?TABLE\b/i;
const CREATE_INDEX = /^CREATE\s+(?:UNIQUE\s+)?INDEX\s+/i;
const CREATE_SCHEMA = /^CREATE\s+SCHEMA\b/i;
const CREATE_SEQUENCE = /^CREATE\s+(?:(?:TEMPORARY|TEMP|UNLOGGED)\s+)?SEQUENCE\b/i;
const CREATE_EXTENSION = /^CREATE\s+EXTENSION\b/i;
const CREATE = /^CREATE\b/i;
/** `^DROP\s+<words>\b` per DROP kind, compiled once. */
const DROP_RES = new Map<string, RegExp>();
function dropRe(words: string): RegExp {
  let re = DROP_RES.get(words);
  if (!re) DROP_RES.set(words, (re = new RegExp(`^DROP\\s+${words}\\b`, 'i')));
  return re;
}
const CREATE_TABLE_AS = /^CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMPORARY|TEMP|UNLOGGED)\s+)?(?:TABLE|MATERIALIZED\s+VIEW)\b/i;

export const preferRobustStmts: Rule = {
  meta: {
    id: 'prefer-robust-stmts',
    title: 'Make statements re-runnable when there is no transaction',
    category: 'hygiene',
    defaultSeverity: 'warning',
    squawk: 'prefer-robust-stmts',
    description:
      'Outside a transaction, in a migration of more than one statement: a CREATE without IF NOT EXISTS (or OR REPLACE), a DROP without IF EXISTS, ALTER TABLE ADD/DROP COLUMN or DROP CONSTRAINT without IF [NOT] EXISTS, or an ADD CONSTRAINT not preceded by a DROP CONSTRAINT IF EXISTS of the same name. Also CREATE INDEX CONCURRENTLY with a name, anywhere.',
    why: 'Without a transaction every statement commits on its own. When a later statement fails, the earlier ones stay applied but the migration is not recorded as done; the re-run then fails on the first statement ("relation already exists", "column does not exist") and someone has to repair the database by hand, often during an incident. A failed CREATE INDEX CONCURRENTLY leaves an INVALID index with its name behind even when it is the last statement.',
    safe: 'Run the migration in a transaction when possible (then this rule is silent), or write each statement so that running it twice is harmless: IF NOT EXISTS / IF EXISTS / OR REPLACE, and `DROP CONSTRAINT IF EXISTS c` before `ADD CONSTRAINT c`. For CREATE INDEX CONCURRENTLY, drop a leftover index first (`DROP INDEX CONCURRENTLY IF EXISTS name`): IF NOT EXISTS would keep a leftover INVALID index. Quick fix: inserts the clause.',
    examples: {
      bad: [
        {
          sql: 'CREATE TABLE accounts (id bigint PRIMARY KEY);\nALTER TABLE users ADD COLUMN account_id bigint;',
          range: 'accounts',
          fixed: 'CREATE TABLE IF NOT EXISTS accounts (id bigint PRIMARY KEY);\nALTER TABLE users ADD COLUMN IF NOT EXISTS account_id bigint;',
        },
        { sql: 'ALTER TABLE users ADD COLUMN account_id bigint;\nALTER TABLE users DROP COLUMN legacy;\nUPDATE users SET account_id = 1;' },
        { sql: 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);', note: 'A failed concurrent build leaves an INVALID index named users_email_idx.' },
        { sql: 'DROP TABLE old_sessions;\nDROP INDEX CONCURRENTLY old_sessions_user_idx;' },
        { sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;' },
        { sql: 'CREATE VIEW active_users AS SELECT * FROM users WHERE active;\nGRANT SELECT ON active_users TO reporting;' },
        { sql: 'UPDATE users SET active = true WHERE active IS NULL;\nALTER TABLE users ADD COLUMN account_id bigint;', note: 'The last statement too (like squawk): statements get appended below it later, and a partly applied file is only as re-runnable as its weakest statement.' },
      ],
      good: [
        { sql: 'BEGIN;\nCREATE TABLE accounts (id bigint PRIMARY KEY);\nALTER TABLE users ADD COLUMN account_id bigint;\nCOMMIT;', note: 'In a transaction a failure rolls everything back: the re-run starts clean.' },
        { sql: 'CREATE TABLE accounts (id bigint PRIMARY KEY);\nALTER TABLE users ADD COLUMN account_id bigint;', options: { assumeInTransaction: true } },
        { sql: 'CREATE TABLE IF NOT EXISTS accounts (id bigint PRIMARY KEY);\nALTER TABLE users ADD COLUMN IF NOT EXISTS account_id bigint;\nALTER TABLE users DROP COLUMN IF EXISTS legacy;' },
        { sql: 'ALTER TABLE users ADD COLUMN account_id bigint;', note: 'A single statement is atomic: if it fails nothing was applied.' },
        { sql: 'DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);' },
        { sql: 'ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_user_fk;\nALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;' },
        { sql: "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\nALTER TABLE users ALTER COLUMN status SET DEFAULT 'new';\nSELECT 1;", note: 'Re-running SET NOT NULL / SET DEFAULT is harmless.' },
        { sql: 'CREATE TEMP TABLE ids (id bigint);\nINSERT INTO ids SELECT id FROM users;' },
      ],
    },
    differences:
      'squawk reports every ALTER TABLE action outside a transaction ("missing transaction"); this rule reports only actions that fail or misbehave when run twice (ADD/DROP COLUMN, DROP/ADD CONSTRAINT): re-running ENABLE/DISABLE ROW LEVEL SECURITY or SET NOT NULL is harmless, so squawk\'s cases for those are not flagged. Temporary tables are not flagged either (they vanish with the session, so a re-run creates them afresh; squawk flags them unless ON COMMIT DROP). Statements made safe by an earlier DROP ... IF EXISTS of the same object are not flagged (a constraint\'s drop covers one ADD). Like squawk, a single-statement migration is never flagged (it is atomic) and the last statement of a longer one is. Also covers CREATE VIEW/FUNCTION (OR REPLACE), CREATE SCHEMA/SEQUENCE/EXTENSION and more DROP kinds. For CREATE INDEX CONCURRENTLY the quick fix drops a leftover index first instead of adding IF NOT EXISTS.',
  },
  // The kinds of the switch below (plus IndexStmt): on any other statement check returns at once.
  kinds: ['IndexStmt', 'CreateStmt', 'CreateTableAsStmt', 'DropStmt', 'AlterTableStmt', 'CreateSchemaStmt', 'CreateSeqStmt', 'CreateExtensionStmt', 'ViewStmt', 'CreateFunctionStmt'],
  check(ctx) {
    if (ctx.file.inTransaction) return;
    const u = unwrap(ctx.stmt.node);
    if (!u) return;
    const [kind] = u;
    const text = ctx.stmt.text;

    // CREATE INDEX CONCURRENTLY can fail half-way on its own: checked even as the last statement.
    if (kind === 'IndexStmt') {
      const idx = as<IndexStmt>(ctx.stmt.node, 'IndexStmt');
      if (!idx?.idxname || idx.if_not_exists) return;
      if (droppedBefore(ctx, `index:${idx.idxname.toLowerCase()}`)) return;
      const rel = relName(idx.relation);
      if (idx.concurrent) {
        const qualified = rel?.schema ? `${quoteIdentIfNeeded(rel.schema)}.${quoteIdentIfNeeded(idx.idxname)}` : quoteIdentIfNeeded(idx.idxname);
        ctx.report({
          message: `CREATE INDEX CONCURRENTLY ${idx.idxname} runs without a transaction: if it fails it leaves an INVALID index named ${idx.idxname} behind, and re-running fails with "already exists".`,
          help: `Drop a leftover first: DROP INDEX CONCURRENTLY IF EXISTS ${qualified}; (IF NOT EXISTS would silently keep an INVALID index).`,
          fix: { title: 'Drop a leftover index first', edits: [{ start: ctx.stmt.start, end: ctx.stmt.start, newText: `DROP INDEX CONCURRENTLY IF EXISTS ${qualified};\n` }] },
        });
        return;
      }
      reporter(ctx)({
        message: `CREATE INDEX ${idx.idxname} has no IF NOT EXISTS and runs outside a transaction: ${RERUN} with "relation already exists".`,
        help: 'Add IF NOT EXISTS, or run the migration in a transaction.',
        ...insertFix(ctx, 'Insert IF NOT EXISTS', offsetAfter(text, CREATE_INDEX), 'IF NOT EXISTS '),
      });
      return;
    }

    const report = reporter(ctx);

    switch (kind) {
      case 'CreateStmt': {
        const c = as<CreateStmt>(ctx.stmt.node, kind);
        const rel = relName(c?.relation);
        if (!c || c.if_not_exists || c.relation?.relpersistence === 't' || droppedBefore(ctx, `table:${tableKey(rel)}`)) return;
        report({
          message: `CREATE TABLE ${relLabel(rel)} has no IF NOT EXISTS and runs outside a transaction: ${RERUN} with "relation already exists".`,
          help: 'Add IF NOT EXISTS, or run the migration in a transaction.',
          ...(c.relation?.location !== undefined ? { at: { location: c.relation.location } } : {}),
          ...insertFix(ctx, 'Insert IF NOT EXISTS', offsetAfter(text, CREATE_TABLE), ' IF NOT EXISTS'),
        });
        return;
      }
      case 'CreateTableAsStmt': {
        const c = as<CreateTableAsStmt>(ctx.stmt.node, kind);
        const rv = c?.into?.rel;
        if (!c || c.if_not_exists || rv?.relpersistence === 't' || (c.objtype !== 'OBJECT_TABLE' && c.objtype !== 'OBJECT_MATVIEW')) return;
        const rel = relName(rv);
        if (droppedBefore(ctx, `table:${tableKey(rel)}`)) return;
        const what = c.objtype === 'OBJECT_MATVIEW' ? 'CREATE MATERIALIZED VIEW' : 'CREATE TABLE ... AS';
        report({
          message: `${what} ${relLabel(rel)} has no IF NOT EXISTS and runs outside a transaction: ${RERUN} with "relation already exists".`,
          help: 'Add IF NOT EXISTS, or run the migration in a transaction.',
          ...insertFix(ctx, 'Insert IF NOT EXISTS', offsetAfter(text, CREATE_TABLE_AS), ' IF NOT EXISTS'),
        });
        return;
      }
      case 'DropStmt': {
        const d = as<DropStmt>(ctx.stmt.node, kind);
        const k = d ? DROP_KINDS[d.removeType ?? ''] : undefined;
        if (!d || !k || d.missing_ok) return;
        report({
          message: `DROP ${k.label} ${dropNames(d).join(', ')} has no IF EXISTS and runs outside a transaction: ${RERUN} with "does not exist".`,
          help: 'Add IF EXISTS, or run the migration in a transaction.',
          ...insertFix(ctx, 'Insert IF EXISTS', offsetAfter(text, dropRe(k.words)), ' IF EXISTS'),
        });
        return;
      }
      case 'AlterTableStmt': {
        const at = alterTableOf(ctx.stmt.node);
        if (!at) return;
        const table = relLabel(at.rel);
        const seen = new Set<string>();
        const dropped = (key: string): boolean => seen.has(key) || droppedBefore(ctx, key);
        for (const cmd of at.cmds) {
          if (cmd.subtype === 'AT_AddColumn' && !cmd.missing_ok) {
            const def = as<ColumnDef>(cmd.def, 'ColumnDef');
            const col = def?.colname;
            if (col && !dropped(`column:${tableKey(at.rel)}.${col.toLowerCase()}`)) {
              const loc = def.location;
              report({
                message: `ADD COLUMN ${col} to ${table} has no IF NOT EXISTS and runs outside a transaction: ${RERUN} with "column already exists".`,
                help: 'Use ADD COLUMN IF NOT EXISTS, or run the migration in a transaction.',
                ...(loc !== undefined && loc >= 0 ? { at: { location: loc } } : {}),
                ...insertFix(ctx, 'Insert IF NOT EXISTS', loc !== undefined && loc >= 0 ? stmtOffset(ctx, loc) : undefined, 'IF NOT EXISTS '),
              });
            }
          } else if ((cmd.subtype === 'AT_DropColumn' || cmd.subtype === 'AT_DropConstraint') && !cmd.missing_ok && cmd.name) {
            const what = cmd.subtype === 'AT_DropColumn' ? 'COLUMN' : 'CONSTRAINT';
            report({
              message: `DROP ${what} ${cmd.name} on ${table} has no IF EXISTS and runs outside a transaction: ${RERUN} with "does not exist".`,
              help: `Use DROP ${what} IF EXISTS, or run the migration in a transaction.`,
              ...insertFix(ctx, 'Insert IF EXISTS', dropTargetOffset(text, what, cmd.name), 'IF EXISTS '),
            });
          } else if (cmd.subtype === 'AT_AddConstraint') {
            const c = constraintOf(cmd.def);
            const name = c?.conname;
            if (c && (name || c.contype === 'CONSTR_PRIMARY') && !(name && dropped(`constraint:${tableKey(at.rel)}.${name.toLowerCase()}`))) {
              report({
                message: `${name ? `ADD CONSTRAINT ${name}` : 'ADD PRIMARY KEY'} on ${table} runs outside a transaction: ${RERUN} with "already exists" (ADD CONSTRAINT has no IF NOT EXISTS).`,
                help: name
                  ? `Drop it first in the same statement (ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${name}, ADD CONSTRAINT ${name} ...), move it to its own migration, or run the migration in a transaction.`
                  : 'Move it to its own migration, or run the migration in a transaction.',
                ...(c.location !== undefined && c.location >= 0 ? { at: { location: c.location } } : {}),
              });
            }
          }
          addDroppedByCmd(seen, at.rel, cmd);
        }
        return;
      }
      case 'CreateSchemaStmt': {
        const s = as<CreateSchemaStmt>(ctx.stmt.node, kind);
        if (!s || s.if_not_exists || droppedBefore(ctx, `schema:${(s.schemaname ?? '').toLowerCase()}`)) return;
        report({
          message: `CREATE SCHEMA ${s.schemaname ?? ''} has no IF NOT EXISTS and runs outside a transaction: ${RERUN} with "already exists".`,
          help: 'Add IF NOT EXISTS, or run the migration in a transaction.',
          ...(s.schemaElts?.length ? {} : insertFix(ctx, 'Insert IF NOT EXISTS', offsetAfter(text, CREATE_SCHEMA), ' IF NOT EXISTS')),
        });
        return;
      }
      case 'CreateSeqStmt': {
        const s = as<CreateSeqStmt>(ctx.stmt.node, kind);
        const rel = relName(s?.sequence);
        if (!s || s.if_not_exists || s.sequence?.relpersistence === 't' || droppedBefore(ctx, `sequence:${tableKey(rel)}`)) return;
        report({
          message: `CREATE SEQUENCE ${relLabel(rel)} has no IF NOT EXISTS and runs outside a transaction: ${RERUN} with "already exists".`,
          help: 'Add IF NOT EXISTS, or run the migration in a transaction.',
          ...insertFix(ctx, 'Insert IF NOT EXISTS', offsetAfter(text, CREATE_SEQUENCE), ' IF NOT EXISTS'),
        });
        return;
      }
      case 'CreateExtensionStmt': {
        const s = as<CreateExtensionStmt>(ctx.stmt.node, kind);
        if (!s || s.if_not_exists || droppedBefore(ctx, `extension:${(s.extname ?? '').toLowerCase()}`)) return;
        report({
          message: `CREATE EXTENSION ${s.extname ?? ''} has no IF NOT EXISTS and runs outside a transaction: ${RERUN} with "already exists".`,
          help: 'Add IF NOT EXISTS, or run the migration in a transaction.',
          ...insertFix(ctx, 'Insert IF NOT EXISTS', offsetAfter(text, CREATE_EXTENSION), ' IF NOT EXISTS'),
        });
        return;
      }
      case 'ViewStmt': {
        const v = as<ViewStmt>(ctx.stmt.node, kind);
        const rel = relName(v?.view);
        if (!v || v.replace || v.view?.relpersistence === 't' || droppedBefore(ctx, `view:${tableKey(rel)}`)) return;
        report({
          message: `CREATE VIEW ${relLabel(rel)} runs outside a transaction without OR REPLACE: ${RERUN} with "already exists".`,
          help: 'Use CREATE OR REPLACE VIEW, or run the migration in a transaction.',
          ...insertFix(ctx, 'Insert OR REPLACE', offsetAfter(text, CREATE), ' OR REPLACE'),
        });
        return;
      }
      case 'CreateFunctionStmt': {
        const f = as<CreateFunctionStmt>(ctx.stmt.node, kind);
        const names = strings(f?.funcname);
        const name = names[names.length - 1] ?? '?';
        if (!f || f.replace || droppedBefore(ctx, `function:${name.toLowerCase()}`)) return;
        const what = f.is_procedure ? 'PROCEDURE' : 'FUNCTION';
        report({
          message: `CREATE ${what} ${names.join('.')} runs outside a transaction without OR REPLACE: ${RERUN} with "already exists".`,
          help: `Use CREATE OR REPLACE ${what}, or run the migration in a transaction.`,
          ...insertFix(ctx, 'Insert OR REPLACE', offsetAfter(text, CREATE), ' OR REPLACE'),
        });
        return;
      }
      default:
        return;
    }
  },
  summarize: summarizeRobust,
  finish(ctx) {
    const st = robustState(ctx);
    for (const h of st.held) if ((st.work.get(h.section) ?? 0) > 1) ctx.release(h.finding);
  },
};
