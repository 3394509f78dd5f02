// How the trace runs each migration statement inside its one rolled-back transaction: as written, rewritten
// to its in-transaction equivalent (CONCURRENTLY dropped, with a note), or skipped with the reason. Also
// which relations a statement names, so the trace knows whose catalog rows and relfilenodes to compare.
import type { DropStmt, Node } from '@pgsql/types';
import { as, optionEnabled, unwrap, walk } from '../../lint/ast';
import { qualifiedName } from '../../sql/quote';

export type StatementPlan =
  | { action: 'run'; sql: string }
  | { action: 'rewrite'; sql: string; note: string }
  | { action: 'skip'; note: string };

const NOT_IN_TX: Record<string, string> = {
  CreatedbStmt: 'CREATE DATABASE',
  DropdbStmt: 'DROP DATABASE',
  CreateTableSpaceStmt: 'CREATE TABLESPACE',
  DropTableSpaceStmt: 'DROP TABLESPACE',
  AlterSystemStmt: 'ALTER SYSTEM',
};

const CONCURRENT_NOTE = (what: string, real: string): string =>
  `traced as ${what} without CONCURRENTLY (a concurrent build cannot run inside a transaction): the catalog ` +
  `effect is the same, the lock shown is the one the real statement takes (${real}), and its duration here ` +
  'is that of a plain build; the real one waits for running transactions and takes longer';

/** Removes the first CONCURRENTLY that `re` (with one capture group before it) finds. */
function dropConcurrently(sql: string, re: RegExp): string | undefined {
  const m = re.exec(sql);
  if (!m || m[1] === undefined) return undefined;
  return sql.slice(0, m.index + m[1].length) + sql.slice(m.index + m[0].length);
}

/** Decide how to trace one statement. `serverVersionNum` matters for ALTER TYPE … ADD VALUE (< 12). */
export function planStatement(node: Node, sql: string, serverVersionNum: number): StatementPlan {
  const u = unwrap(node);
  if (!u) return { action: 'run', sql };
  const [kind, s] = u;
  if (kind === 'TransactionStmt') {
    return { action: 'skip', note: 'transaction control is not run: the trace is one transaction that is always rolled back' };
  }
  const notInTx = NOT_IN_TX[kind];
  if (notInTx) return { action: 'skip', note: `not traceable in a transaction (${notInTx} cannot run inside one)` };
  if (kind === 'VacuumStmt') {
    const isVacuum = (s as { is_vacuumcmd?: boolean }).is_vacuumcmd;
    if (isVacuum) return { action: 'skip', note: 'not traceable in a transaction (VACUUM cannot run inside one); it takes SHARE UPDATE EXCLUSIVE (VACUUM FULL: ACCESS EXCLUSIVE)' };
    return { action: 'run', sql };
  }
  if (kind === 'CopyStmt') {
    const c = s as { filename?: string; is_program?: boolean };
    if (!c.filename) return { action: 'skip', note: 'COPY from STDIN / to STDOUT is not traced (no data stream in a trace)' };
  }
  if (kind === 'AlterEnumStmt' && serverVersionNum < 120000 && !(s as { oldVal?: string }).oldVal) {
    return { action: 'skip', note: 'not traceable in a transaction (ALTER TYPE … ADD VALUE cannot run inside one before PostgreSQL 12)' };
  }
  if (kind === 'IndexStmt' && (s as { concurrent?: boolean }).concurrent) {
    const out = dropConcurrently(sql, /^(\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+)CONCURRENTLY\b\s*/i);
    return out ? { action: 'rewrite', sql: out, note: CONCURRENT_NOTE('CREATE INDEX', 'SHARE UPDATE EXCLUSIVE: blocks no reads or writes') } : { action: 'skip', note: 'not traceable in a transaction (CREATE INDEX CONCURRENTLY)' };
  }
  if (kind === 'DropStmt' && (s as DropStmt).concurrent) {
    const out = dropConcurrently(sql, /^(\s*DROP\s+INDEX\s+)CONCURRENTLY\b\s*/i);
    return out ? { action: 'rewrite', sql: out, note: CONCURRENT_NOTE('DROP INDEX', 'SHARE UPDATE EXCLUSIVE on the table') } : { action: 'skip', note: 'not traceable in a transaction (DROP INDEX CONCURRENTLY)' };
  }
  if (kind === 'ReindexStmt' && optionEnabled((s as { params?: Node[] }).params, 'concurrently')) {
    const out = dropConcurrently(sql, /^(\s*REINDEX\s+(?:INDEX|TABLE)\s+)CONCURRENTLY\b\s*/i);
    return out ? { action: 'rewrite', sql: out, note: CONCURRENT_NOTE('REINDEX', 'SHARE UPDATE EXCLUSIVE') } : { action: 'skip', note: 'not traceable in a transaction (REINDEX … CONCURRENTLY)' };
  }
  if (kind === 'ReindexStmt') {
    const k = String((s as { kind?: string }).kind ?? '');
    if (k === 'REINDEX_OBJECT_SCHEMA' || k === 'REINDEX_OBJECT_DATABASE' || k === 'REINDEX_OBJECT_SYSTEM') {
      return { action: 'skip', note: 'not traceable in a transaction (REINDEX SCHEMA/DATABASE/SYSTEM cannot run inside one)' };
    }
  }
  if (kind === 'AlterTableStmt') {
    for (const [k, cmd] of walk(s)) {
      if (k !== 'PartitionCmd' || !(cmd as { concurrent?: boolean }).concurrent) continue;
      const out = dropConcurrently(sql, /()\s+CONCURRENTLY\s*$/i);
      return out ? { action: 'rewrite', sql: out, note: CONCURRENT_NOTE('DETACH PARTITION', 'SHARE UPDATE EXCLUSIVE') } : { action: 'skip', note: 'not traceable in a transaction (DETACH PARTITION … CONCURRENTLY)' };
    }
  }
  return { action: 'run', sql };
}

/** True for statements after which the trace re-applies its own timeouts (the migration may SET them). */
export function changesSettings(node: Node): boolean {
  const k = unwrap(node)?.[0];
  return k === 'VariableSetStmt' || k === 'DiscardStmt';
}

/** Relation names as the statement writes them, quoted for to_regclass (search path applies as in the statement). */
export function referencedRelations(node: Node): string[] {
  const names = new Set<string>();
  const add = (schema: string | undefined, name: string | undefined): void => {
    if (name) names.add(qualifiedName(schema, name));
  };
  // RangeVars sit inline in typed fields (relation, pktable, …) as well as wrapped in lists: look at every
  // object, not only wrapped nodes.
  const stack: unknown[] = [node];
  while (stack.length) {
    const cur = stack.pop();
    if (Array.isArray(cur)) {
      stack.push(...cur);
      continue;
    }
    if (!cur || typeof cur !== 'object') continue;
    const o = cur as Record<string, unknown>;
    if (typeof o.relname === 'string') add(typeof o.schemaname === 'string' ? o.schemaname : undefined, o.relname);
    const d = o.DropStmt as DropStmt | undefined;
    if (d && ['OBJECT_TABLE', 'OBJECT_INDEX', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE'].includes(String(d.removeType))) {
      for (const obj of d.objects ?? []) {
        const parts = (as<{ items?: Node[] }>(obj, 'List')?.items ?? []).map((p) => as<{ sval?: string }>(p, 'String')?.sval).filter((x): x is string => x !== undefined);
        add(parts.length > 1 ? parts[parts.length - 2] : undefined, parts[parts.length - 1]);
      }
    }
    for (const v of Object.values(o)) if (v && typeof v === 'object') stack.push(v);
  }
  return [...names];
}

/** Statement kind for display: "AlterTableStmt" -> "ALTER TABLE" where known, else the node name. */
export function statementKind(node: Node): string {
  const k = unwrap(node)?.[0] ?? 'unknown';
  const map: Record<string, string> = {
    AlterTableStmt: 'ALTER TABLE',
    IndexStmt: 'CREATE INDEX',
    CreateStmt: 'CREATE TABLE',
    DropStmt: 'DROP',
    RenameStmt: 'RENAME',
    InsertStmt: 'INSERT',
    UpdateStmt: 'UPDATE',
    DeleteStmt: 'DELETE',
    SelectStmt: 'SELECT',
    DoStmt: 'DO',
    TruncateStmt: 'TRUNCATE',
    VacuumStmt: 'VACUUM/ANALYZE',
    ReindexStmt: 'REINDEX',
    TransactionStmt: 'transaction control',
    VariableSetStmt: 'SET',
    CreateFunctionStmt: 'CREATE FUNCTION',
    ViewStmt: 'CREATE VIEW',
    CreateSeqStmt: 'CREATE SEQUENCE',
    CreateEnumStmt: 'CREATE TYPE',
    AlterEnumStmt: 'ALTER TYPE',
    CommentStmt: 'COMMENT',
    GrantStmt: 'GRANT',
    CreateTrigStmt: 'CREATE TRIGGER',
    LockStmt: 'LOCK',
  };
  return map[k] ?? k.replace(/Stmt$/, '');
}
