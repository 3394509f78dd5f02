// Down SQL generated from up SQL for statements whose inverse is certain (CREATE … -> DROP, ADD COLUMN ->
// DROP COLUMN, ADD CONSTRAINT -> DROP CONSTRAINT, RENAME -> rename back), in reverse order. Anything whose
// inverse would need data or a definition the SQL does not hold (DROP, data changes, ALTER COLUMN TYPE,
// CREATE OR REPLACE, IF NOT EXISTS) is refused with the reason: a wrong rollback is worse than none.
import type {
  AlterTableStmt,
  ColumnDef,
  CompositeTypeStmt,
  Constraint,
  CreateDomainStmt,
  CreateEnumStmt,
  CreateExtensionStmt,
  CreateFunctionStmt,
  CreateRangeStmt,
  CreateSchemaStmt,
  CreateSeqStmt,
  CreateStmt,
  CreateTableAsStmt,
  CreateTrigStmt,
  DropStmt,
  FunctionParameter,
  IndexStmt,
  Node,
  RangeVar,
  RenameStmt,
  TypeName,
  VariableSetStmt,
  ViewStmt,
} from '@pgsql/types';
import { as, unwrap } from '../lint/ast';
import { parseSql } from '../sql/parser';
import { quoteIdent } from '../sql/quote';
import { splitSql } from '../sql/splitter';

export interface DownRefusal {
  /** 0-based statement index in the up SQL. */
  index: number;
  sql: string;
  reason: string;
}

export type GeneratedDown =
  | { ok: true; sql: string; statements: string[] }
  | { ok: false; refusals: DownRefusal[]; /** What could be generated for the other statements. */ partial: string[] };

/** Needs loadParser() awaited once. */
export function generateDown(upSql: string): GeneratedDown {
  const pieces = splitSql(upSql).pieces.map((p) => p.text);
  const downs: string[][] = [];
  const refusals: DownRefusal[] = [];
  const parsed = pieces.map((sql, index) => ({ sql, index, r: parseSql(sql) }));
  const nodes = parsed.flatMap((p) => (p.r.ok ? p.r.stmts.map((s) => s.node) : []));
  let at = 0;
  for (const { sql, index, r } of parsed) {
    if (!r.ok) {
      refusals.push({ index, sql, reason: `does not parse: ${r.message}` });
      continue;
    }
    for (const s of r.stmts) {
      const next = nodes[++at];
      // DROP INDEX … IF EXISTS x right before CREATE INDEX x clears a leftover of a failed concurrent build
      // (the form prefer-robust-stmts asks for): the pair is undone by dropping x.
      const out = clearsLeftover(s.node, next) ? { sql: [] } : inverse(s.node);
      if ('reason' in out) refusals.push({ index, sql, reason: out.reason });
      else downs.push(out.sql);
    }
  }
  const statements = downs.reverse().flat();
  if (refusals.length) return { ok: false, refusals, partial: statements };
  return { ok: true, statements, sql: statements.map((s) => `${s};`).join('\n') + (statements.length ? '\n' : '') };
}

type Inverse = { sql: string[] } | { reason: string };

function indexKey(schema: string | undefined, name: string | undefined): string {
  return `${schema ?? ''}.${name ?? ''}`;
}

/** `DROP INDEX [CONCURRENTLY] IF EXISTS x` whose next statement is `CREATE INDEX x` (same schema). */
function clearsLeftover(node: Node, next: Node | undefined): boolean {
  const d = as<DropStmt>(node, 'DropStmt');
  const i = next ? as<IndexStmt>(next, 'IndexStmt') : undefined;
  if (!d || !i?.idxname || d.removeType !== 'OBJECT_INDEX' || !d.missing_ok || d.objects?.length !== 1) return false;
  const parts = (as<{ items?: Node[] }>(d.objects[0] as Node, 'List')?.items ?? []).map((n) => as<{ sval?: string }>(n, 'String')?.sval);
  const name = parts.at(-1);
  const schema = parts.length > 1 ? parts.at(-2) : undefined;
  return indexKey(schema, name) === indexKey(i.relation?.schemaname, i.idxname);
}

const refuse = (reason: string): Inverse => ({ reason });

function qrel(rv: RangeVar | undefined): string | undefined {
  if (!rv?.relname) return undefined;
  return rv.schemaname ? `${quoteIdent(rv.schemaname)}.${quoteIdent(rv.relname)}` : quoteIdent(rv.relname);
}

function qnames(nodes: readonly Node[] | undefined): string | undefined {
  const parts = (nodes ?? []).map((n) => as<{ sval?: string }>(n, 'String')?.sval);
  if (!parts.length || parts.some((p) => p === undefined)) return undefined;
  return (parts as string[]).map(quoteIdent).join('.');
}

function typeSql(t: TypeName | undefined): string | undefined {
  const base = qnames(t?.names);
  if (!base) return undefined;
  return base + '[]'.repeat(t?.arrayBounds?.length ?? 0);
}

function inverse(node: Node): Inverse {
  const u = unwrap(node);
  if (!u) return refuse('unrecognised statement');
  const [kind, body] = u;
  switch (kind) {
    case 'CreateStmt': {
      const c = body as CreateStmt;
      if (c.if_not_exists) return refuse('CREATE TABLE IF NOT EXISTS may not have created the table: dropping it could drop an older one');
      return { sql: [`DROP TABLE ${qrel(c.relation)}`] };
    }
    case 'IndexStmt': {
      const i = body as IndexStmt;
      if (!i.idxname) return refuse('the index has no name, so its generated name is not known here: name it (CREATE INDEX name ON …)');
      if (i.if_not_exists) return refuse('CREATE INDEX IF NOT EXISTS may not have created the index');
      const name = i.relation?.schemaname ? `${quoteIdent(i.relation.schemaname)}.${quoteIdent(i.idxname)}` : quoteIdent(i.idxname);
      return { sql: [`DROP INDEX${i.concurrent ? ' CONCURRENTLY IF EXISTS' : ''} ${name}`] };
    }
    case 'ViewStmt': {
      const v = body as ViewStmt;
      if (v.replace) return refuse('CREATE OR REPLACE VIEW: the previous definition is not known, write the down SQL');
      return { sql: [`DROP VIEW ${qrel(v.view)}`] };
    }
    case 'CreateTableAsStmt': {
      const c = body as CreateTableAsStmt;
      if (c.if_not_exists) return refuse('IF NOT EXISTS may not have created the relation');
      return { sql: [`DROP ${c.objtype === 'OBJECT_MATVIEW' ? 'MATERIALIZED VIEW' : 'TABLE'} ${qrel(c.into?.rel)}`] };
    }
    case 'CreateSeqStmt': {
      const s = body as CreateSeqStmt;
      if (s.if_not_exists) return refuse('CREATE SEQUENCE IF NOT EXISTS may not have created the sequence');
      return { sql: [`DROP SEQUENCE ${qrel(s.sequence)}`] };
    }
    case 'CreateEnumStmt':
      return { sql: [`DROP TYPE ${qnames((body as CreateEnumStmt).typeName)}`] };
    case 'CreateRangeStmt':
      return { sql: [`DROP TYPE ${qnames((body as CreateRangeStmt).typeName)}`] };
    case 'CompositeTypeStmt':
      return { sql: [`DROP TYPE ${qrel((body as CompositeTypeStmt).typevar)}`] };
    case 'CreateDomainStmt':
      return { sql: [`DROP DOMAIN ${qnames((body as CreateDomainStmt).domainname)}`] };
    case 'CreateSchemaStmt': {
      const s = body as CreateSchemaStmt;
      if (s.if_not_exists) return refuse('CREATE SCHEMA IF NOT EXISTS may not have created the schema');
      if (!s.schemaname) return refuse('CREATE SCHEMA without a name');
      if (s.schemaElts?.length) return refuse('CREATE SCHEMA with elements: write the down SQL');
      return { sql: [`DROP SCHEMA ${quoteIdent(s.schemaname)}`] };
    }
    case 'CreateExtensionStmt': {
      const e = body as CreateExtensionStmt;
      if (e.if_not_exists) return refuse('CREATE EXTENSION IF NOT EXISTS may not have created the extension');
      return { sql: [`DROP EXTENSION ${quoteIdent(e.extname ?? '')}`] };
    }
    case 'CreateFunctionStmt': {
      const f = body as CreateFunctionStmt;
      if (f.replace) return refuse(`CREATE OR REPLACE ${f.is_procedure ? 'PROCEDURE' : 'FUNCTION'}: the previous definition is not known, write the down SQL`);
      const args: string[] = [];
      for (const p of f.parameters ?? []) {
        const fp = as<FunctionParameter>(p, 'FunctionParameter');
        if (!fp) return refuse('unrecognised function parameter');
        if (fp.mode === 'FUNC_PARAM_OUT' || fp.mode === 'FUNC_PARAM_TABLE') continue;
        const t = typeSql(fp.argType);
        if (!t) return refuse('a parameter type could not be read');
        args.push(`${fp.mode === 'FUNC_PARAM_VARIADIC' ? 'VARIADIC ' : ''}${t}`);
      }
      return { sql: [`DROP ${f.is_procedure ? 'PROCEDURE' : 'FUNCTION'} ${qnames(f.funcname)}(${args.join(', ')})`] };
    }
    case 'CreateTrigStmt': {
      const t = body as CreateTrigStmt;
      if (t.replace) return refuse('CREATE OR REPLACE TRIGGER: the previous definition is not known');
      return { sql: [`DROP TRIGGER ${quoteIdent(t.trigname ?? '')} ON ${qrel(t.relation)}`] };
    }
    case 'AlterTableStmt':
      return inverseAlterTable(body as AlterTableStmt);
    case 'RenameStmt':
      return inverseRename(body as RenameStmt);
    case 'CommentStmt':
      return refuse('COMMENT ON: the previous comment is not known');
    case 'InsertStmt':
    case 'UpdateStmt':
    case 'DeleteStmt':
    case 'MergeStmt':
    case 'TruncateStmt':
    case 'CopyStmt':
      return refuse('changes data: the previous rows are not known, so it cannot be undone automatically');
    case 'DropStmt':
      return refuse('DROP is irreversible: the dropped object (and any data) cannot be recreated from this SQL');
    case 'VariableSetStmt': {
      // A session timeout (lock_timeout, statement_timeout…) changes nothing to undo; other settings (search_path) could change what the down means.
      const v = body as VariableSetStmt;
      return /timeout$/i.test(v.name ?? '') ? { sql: [] } : refuse(`SET ${v.name ?? ''}: write the down SQL`);
    }
    case 'SelectStmt':
      return refuse('a SELECT in a migration may change data (functions): write the down SQL');
    default:
      return refuse(`${kind.replace(/Stmt$/, '')} has no known inverse: write the down SQL`);
  }
}

function inverseAlterTable(a: AlterTableStmt): Inverse {
  if (a.objtype && a.objtype !== 'OBJECT_TABLE') return refuse(`ALTER ${a.objtype.replace(/^OBJECT_/, '')}: write the down SQL`);
  const rel = qrel(a.relation);
  if (!rel) return refuse('ALTER TABLE without a table name');
  const out: string[] = [];
  for (const c of a.cmds ?? []) {
    const cmd = as<{ subtype?: string; def?: Node; name?: string; missing_ok?: boolean }>(c, 'AlterTableCmd');
    switch (cmd?.subtype) {
      case 'AT_AddColumn': {
        const col = as<ColumnDef>(cmd.def, 'ColumnDef');
        if (cmd.missing_ok) return refuse('ADD COLUMN IF NOT EXISTS may not have added the column');
        if (!col?.colname) return refuse('ADD COLUMN without a name');
        out.push(`ALTER TABLE ${rel} DROP COLUMN ${quoteIdent(col.colname)}`);
        break;
      }
      case 'AT_AddConstraint': {
        const con = as<Constraint>(cmd.def, 'Constraint');
        if (!con?.conname) return refuse('the constraint has no name, so its generated name is not known here: name it (ADD CONSTRAINT name …)');
        out.push(`ALTER TABLE ${rel} DROP CONSTRAINT ${quoteIdent(con.conname)}`);
        break;
      }
      case 'AT_DropColumn':
        return refuse('DROP COLUMN is irreversible: the column and its data are gone');
      case 'AT_DropConstraint':
        return refuse('DROP CONSTRAINT: the constraint definition is not in the SQL, write the down SQL');
      case 'AT_AlterColumnType':
        return refuse('ALTER COLUMN TYPE: the previous type (and possibly data) is not known, write the down SQL');
      default:
        return refuse(`ALTER TABLE ${(cmd?.subtype ?? '?').replace(/^AT_/, '')}: no known inverse, write the down SQL`);
    }
  }
  return { sql: out.reverse() };
}

const RENAMABLE: Record<string, string> = {
  OBJECT_TABLE: 'TABLE',
  OBJECT_VIEW: 'VIEW',
  OBJECT_MATVIEW: 'MATERIALIZED VIEW',
  OBJECT_SEQUENCE: 'SEQUENCE',
  OBJECT_INDEX: 'INDEX',
  OBJECT_FOREIGN_TABLE: 'FOREIGN TABLE',
};

function inverseRename(r: RenameStmt): Inverse {
  const newname = r.newname;
  if (!newname) return refuse('RENAME without a new name');
  const type = r.renameType ?? '';
  const rv = r.relation;
  if (type === 'OBJECT_COLUMN' || type === 'OBJECT_TABCONSTRAINT') {
    const rel = qrel(rv);
    if (!rel || !r.subname) return refuse('RENAME without a table or old name');
    const what = type === 'OBJECT_COLUMN' ? 'COLUMN' : 'CONSTRAINT';
    return { sql: [`ALTER TABLE ${rel} RENAME ${what} ${quoteIdent(newname)} TO ${quoteIdent(r.subname)}`] };
  }
  const keyword = RENAMABLE[type];
  if (keyword && rv?.relname) {
    // After the rename the object is schema.newname (a rename never moves it to another schema).
    const renamed = rv.schemaname ? `${quoteIdent(rv.schemaname)}.${quoteIdent(newname)}` : quoteIdent(newname);
    return { sql: [`ALTER ${keyword} ${renamed} RENAME TO ${quoteIdent(rv.relname)}`] };
  }
  if (type === 'OBJECT_SCHEMA' && r.subname) return { sql: [`ALTER SCHEMA ${quoteIdent(newname)} RENAME TO ${quoteIdent(r.subname)}`] };
  return refuse(`RENAME of ${type.replace(/^OBJECT_/, '').toLowerCase()}: no known inverse, write the down SQL`);
}
