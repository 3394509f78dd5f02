// Splits migration SQL into statements and decides how it has to run: in one transaction, or statement
// by statement outside one (CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, DETACH PARTITION … CONCURRENTLY,
// VACUUM, ALTER SYSTEM, CREATE/DROP DATABASE/TABLESPACE, ALTER TYPE … ADD VALUE before PostgreSQL 12).
import type { DropStmt, IndexStmt, Node, PartitionCmd, ReindexStmt, TransactionStmt } from '@pgsql/types';
import { alterTableOf, as, txKind, unwrap } from '../lint/ast';
import { parseSql } from '../sql/parser';
import { splitSql } from '../sql/splitter';

export interface MigrationStatement {
  index: number;
  sql: string;
  /** Parsed node; undefined when the statement does not parse (the server will report the error). */
  node: Node | undefined;
  kind: string;
  /** Why this statement cannot run inside a transaction block, when it cannot. */
  noTransaction?: string;
  /** CREATE INDEX CONCURRENTLY: the index it builds (to find an INVALID leftover before a retry). */
  concurrentIndex?: { schema?: string; name: string; ifNotExists: boolean };
  /** DROP INDEX CONCURRENTLY of one index. */
  concurrentDrop?: { schema?: string; name: string };
}

export interface StatementPlan {
  statements: MigrationStatement[];
  mode: 'transaction' | 'statements';
  /** Why statements mode (first reason), for messages. */
  reason?: string;
  /** Set when the SQL cannot be run safely at all (e.g. its own BEGIN/COMMIT in the middle). */
  error?: string;
}

/** Must be awaited once (parser WASM) before planStatements: see loadParser in ../sql/parser. */
export function planStatements(sql: string, opts: { serverVersionNum?: number; noTransaction?: boolean } = {}): StatementPlan {
  let pieces = splitSql(sql).pieces.map((p) => p.text);
  // A file wrapped in its own BEGIN … COMMIT (common with golang-migrate) is one transaction already: we
  // provide that transaction ourselves, and keep the tracking row inside it.
  const kinds = pieces.map((p) => txKindOf(p));
  if (kinds.length >= 2 && kinds[0] === 'begin' && kinds[kinds.length - 1] === 'end' && !kinds.slice(1, -1).some((k) => k !== 'other')) {
    pieces = pieces.slice(1, -1);
  } else if (kinds.some((k) => k !== 'other')) {
    return {
      statements: [],
      mode: 'transaction',
      error: 'the migration has its own BEGIN/COMMIT/ROLLBACK in the middle; pgopt runs each migration in one transaction (or statement by statement when it must): remove them, or split the file',
    };
  }
  const statements = pieces.map((text, index) => classify(text, index, opts.serverVersionNum ?? 999999));
  const first = statements.find((s) => s.noTransaction);
  if (first) return { statements, mode: 'statements', reason: `statement ${first.index + 1}: ${first.noTransaction}` };
  if (opts.noTransaction) return { statements, mode: 'statements', reason: 'the migration asks for no transaction (transaction:false)' };
  return { statements, mode: 'transaction' };
}

function txKindOf(text: string): 'begin' | 'end' | 'other' {
  if (!/^\s*(begin|start|commit|end|rollback|abort|prepare)\b/i.test(text)) return 'other';
  const r = parseSql(text);
  if (!r.ok || r.stmts.length !== 1) return 'other';
  const t = as<TransactionStmt>(r.stmts[0]?.node, 'TransactionStmt');
  return t ? txKind(t) : 'other';
}

function classify(sql: string, index: number, serverVersionNum: number): MigrationStatement {
  const r = parseSql(sql);
  const node = r.ok ? r.stmts[0]?.node : undefined;
  const u = unwrap(node);
  const kind = u?.[0] ?? 'Unknown';
  const st: MigrationStatement = { index, sql, node, kind };
  switch (kind) {
    case 'IndexStmt': {
      const i = u?.[1] as IndexStmt;
      if (i.concurrent) {
        st.noTransaction = 'CREATE INDEX CONCURRENTLY cannot run inside a transaction block';
        if (i.idxname) st.concurrentIndex = { ...(i.relation?.schemaname ? { schema: i.relation.schemaname } : {}), name: i.idxname, ifNotExists: !!i.if_not_exists };
      }
      break;
    }
    case 'DropStmt': {
      const d = u?.[1] as DropStmt;
      if (d.concurrent) {
        st.noTransaction = 'DROP INDEX CONCURRENTLY cannot run inside a transaction block';
        const names = (as<{ items?: Node[] }>(d.objects?.[0], 'List')?.items ?? []).map((n) => as<{ sval?: string }>(n, 'String')?.sval ?? '');
        if (d.objects?.length === 1 && names.length >= 1) {
          const name = names[names.length - 1] as string;
          st.concurrentDrop = names.length > 1 ? { schema: names[names.length - 2] as string, name } : { name };
        }
      }
      break;
    }
    case 'ReindexStmt': {
      const ri = u?.[1] as ReindexStmt;
      if (ri.params?.some((p) => as<{ defname?: string }>(p, 'DefElem')?.defname === 'concurrently')) {
        st.noTransaction = 'REINDEX CONCURRENTLY cannot run inside a transaction block';
      } else if (ri.kind === 'REINDEX_OBJECT_DATABASE' || ri.kind === 'REINDEX_OBJECT_SYSTEM' || ri.kind === 'REINDEX_OBJECT_SCHEMA') {
        st.noTransaction = 'REINDEX DATABASE/SCHEMA/SYSTEM cannot run inside a transaction block';
      }
      break;
    }
    case 'VacuumStmt': {
      const v = u?.[1] as { is_vacuumcmd?: boolean };
      if (v.is_vacuumcmd) st.noTransaction = 'VACUUM cannot run inside a transaction block';
      break;
    }
    case 'AlterEnumStmt':
      if (serverVersionNum < 120000 && (u?.[1] as { newVal?: string; oldVal?: string }).oldVal === undefined) {
        st.noTransaction = 'ALTER TYPE … ADD VALUE cannot run inside a transaction block before PostgreSQL 12';
      }
      break;
    case 'AlterSystemStmt':
      st.noTransaction = 'ALTER SYSTEM cannot run inside a transaction block';
      break;
    case 'AlterTableStmt':
      if (alterTableOf(node)?.cmds.some((c) => c.subtype === 'AT_DetachPartition' && as<PartitionCmd>(c.def, 'PartitionCmd')?.concurrent)) {
        st.noTransaction = 'ALTER TABLE … DETACH PARTITION … CONCURRENTLY cannot run inside a transaction block';
      }
      break;
    case 'TransactionStmt': {
      const k = (u?.[1] as TransactionStmt).kind;
      if (k === 'TRANS_STMT_COMMIT_PREPARED' || k === 'TRANS_STMT_ROLLBACK_PREPARED') {
        st.noTransaction = `${k === 'TRANS_STMT_COMMIT_PREPARED' ? 'COMMIT' : 'ROLLBACK'} PREPARED cannot run inside a transaction block`;
      }
      break;
    }
    case 'CreatedbStmt':
    case 'DropdbStmt':
      st.noTransaction = `${kind === 'CreatedbStmt' ? 'CREATE' : 'DROP'} DATABASE cannot run inside a transaction block`;
      break;
    case 'CreateTableSpaceStmt':
    case 'DropTableSpaceStmt':
      st.noTransaction = 'CREATE/DROP TABLESPACE cannot run inside a transaction block';
      break;
    default:
      break;
  }
  return st;
}
