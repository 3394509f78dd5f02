// Synchronous helpers shared by the live rules and by live.ts (which decides what to ask the database):
// how a relation written in the SQL is keyed in the LiveContext, which relations, foreign keys, indexes and
// columns a file mentions or creates, and how a table's size is told.
import type { AlterTableCmd, ColumnDef, Constraint, CreateStmt, DropStmt, IndexElem, IndexStmt, Node, RangeVar, RenameStmt } from '@pgsql/types';
import { byteToCharOffset } from '../sql/lineIndex';
import { alterTableOf, as, columnConstraints, columnDefOf, constraintOf, relName, strings, tablesReferenced, unwrap } from './ast';
import type { LiveContext, LiveTable } from './liveTypes';
import type { ParsedStatement, RelName } from './types';

/** Key of a relation in LiveContext.relations: "schema.name" or "name", exactly as the parser gives it. */
export function liveKey(rel: RelName): string {
  return rel.schema ? `${rel.schema}.${rel.name}` : rel.name;
}

/** A LiveTable (exists), null (checked: does not exist) or undefined (not checked). */
export function liveRelation(live: LiveContext | undefined, rel: RelName | undefined): LiveTable | null | undefined {
  if (!live || !rel) return undefined;
  const k = liveKey(rel);
  return Object.prototype.hasOwnProperty.call(live.relations, k) ? live.relations[k] : undefined;
}

/** Names of a DROP statement's objects (tables, indexes, views...). */
export function dropNames(d: DropStmt): RelName[] {
  const out: RelName[] = [];
  for (const o of d.objects ?? []) {
    const names = strings(as<{ items?: Node[] }>(o, 'List')?.items);
    const name = names[names.length - 1];
    if (!name) continue;
    out.push(names.length > 1 ? { schema: names[names.length - 2] as string, name } : { name });
  }
  return out;
}

const DROP_RELATION_TYPES = new Set(['OBJECT_TABLE', 'OBJECT_INDEX', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE', 'OBJECT_SEQUENCE']);

/** Every relation a statement names that the live context should know about. */
export function relationsOf(stmt: ParsedStatement): RelName[] {
  const out = tablesReferenced(stmt.node);
  const d = as<DropStmt>(stmt.node, 'DropStmt');
  if (d && DROP_RELATION_TYPES.has(String(d.removeType))) out.push(...dropNames(d));
  return out;
}

/** A foreign key a statement adds: the referencing table, its columns, the referenced table. */
export interface NewForeignKey {
  rel: RelName;
  columns: string[];
  refRel: RelName | undefined;
  name: string | undefined;
  /** Parser location of the constraint (for the finding's range). */
  location: number | undefined;
  constraint: Constraint;
}

function fkFrom(rel: RelName, c: Constraint, column: string | undefined): NewForeignKey | undefined {
  if (c.contype !== 'CONSTR_FOREIGN') return undefined;
  const columns = c.fk_attrs?.length ? strings(c.fk_attrs) : column ? [column] : [];
  if (!columns.length) return undefined;
  return { rel, columns, refRel: relName(c.pktable), name: c.conname, location: c.location, constraint: c };
}

export function newForeignKeys(stmt: ParsedStatement): NewForeignKey[] {
  const out: NewForeignKey[] = [];
  const push = (fk: NewForeignKey | undefined): void => {
    if (fk) out.push(fk);
  };
  const alter = alterTableOf(stmt.node);
  if (alter?.rel) {
    for (const cmd of alter.cmds) {
      if (cmd.subtype === 'AT_AddConstraint') push(fkFrom(alter.rel, constraintOf(cmd.def) ?? {}, undefined));
      const col = columnDefOf(cmd);
      if (col?.colname) for (const c of columnConstraints(col)) push(fkFrom(alter.rel, c, col.colname));
    }
  }
  const create = as<CreateStmt>(stmt.node, 'CreateStmt');
  const rel = relName(create?.relation);
  if (create && rel) {
    for (const e of create.tableElts ?? []) {
      const col = as<ColumnDef>(e, 'ColumnDef');
      if (col?.colname) for (const c of columnConstraints(col)) push(fkFrom(rel, c, col.colname));
      const c = constraintOf(e);
      if (c) push(fkFrom(rel, c, undefined));
    }
  }
  return out;
}

/** An index a statement creates (CREATE INDEX, or the index behind PRIMARY KEY / UNIQUE). */
export interface FileIndex {
  rel: RelName;
  /** Key columns in order; undefined for an expression key. */
  columns: (string | undefined)[];
  partial: boolean;
  statementIndex: number;
}

function constraintIndex(rel: RelName, c: Constraint | undefined, column: string | undefined, statementIndex: number): FileIndex | undefined {
  if (!c || (c.contype !== 'CONSTR_PRIMARY' && c.contype !== 'CONSTR_UNIQUE')) return undefined;
  if (c.indexname) return undefined; // USING INDEX: the index already exists and is counted there
  const columns = c.keys?.length ? strings(c.keys) : column ? [column] : [];
  return columns.length ? { rel, columns, partial: false, statementIndex } : undefined;
}

export function indexKeyColumn(e: Node): string | undefined {
  const el = as<IndexElem>(e, 'IndexElem');
  return el?.name && !el.expr ? el.name : undefined;
}

export function indexesCreated(stmt: ParsedStatement): FileIndex[] {
  const out: FileIndex[] = [];
  const push = (x: FileIndex | undefined): void => {
    if (x) out.push(x);
  };
  const idx = as<IndexStmt>(stmt.node, 'IndexStmt');
  const irel = relName(idx?.relation);
  if (idx && irel) push({ rel: irel, columns: (idx.indexParams ?? []).map(indexKeyColumn), partial: !!idx.whereClause, statementIndex: stmt.index });
  const alter = alterTableOf(stmt.node);
  if (alter?.rel) {
    for (const cmd of alter.cmds) {
      if (cmd.subtype === 'AT_AddConstraint') push(constraintIndex(alter.rel, constraintOf(cmd.def), undefined, stmt.index));
      const col = columnDefOf(cmd);
      if (col?.colname) for (const c of columnConstraints(col)) push(constraintIndex(alter.rel, c, col.colname, stmt.index));
    }
  }
  const create = as<CreateStmt>(stmt.node, 'CreateStmt');
  const crel = relName(create?.relation);
  if (create && crel) {
    for (const e of create.tableElts ?? []) {
      const col = as<ColumnDef>(e, 'ColumnDef');
      if (col?.colname) for (const c of columnConstraints(col)) push(constraintIndex(crel, c, col.colname, stmt.index));
      push(constraintIndex(crel, constraintOf(e), undefined, stmt.index));
    }
  }
  return out;
}

/** Whether index key columns cover `columns`: its leading columns.length keys are exactly those columns. */
export function leadingColumnsCover(keys: readonly (string | undefined)[], columns: readonly string[]): boolean {
  if (keys.length < columns.length) return false;
  const lead = keys.slice(0, columns.length);
  return columns.every((c) => lead.includes(c));
}

/** The relation a statement creates, or renames something to (same section, for unknown-object). */
export function relationsCreated(stmt: ParsedStatement): RelName[] {
  const u = unwrap(stmt.node);
  if (!u) return [];
  const [kind, s] = u;
  const out: RelName[] = [];
  const add = (rv: RangeVar | undefined): void => {
    const r = relName(rv);
    if (r) out.push(r);
  };
  if (kind === 'CreateStmt') add((s as { relation?: RangeVar }).relation);
  if (kind === 'ViewStmt') add((s as { view?: RangeVar }).view);
  if (kind === 'CreateForeignTableStmt') add((s as { base?: { relation?: RangeVar } }).base?.relation);
  if (kind === 'CreateTableAsStmt') add(as<{ rel?: RangeVar }>((s as { into?: Node }).into, 'IntoClause')?.rel);
  if (kind === 'CreateSeqStmt') add((s as { sequence?: RangeVar }).sequence);
  if (kind === 'IndexStmt') {
    const i = s as IndexStmt;
    const t = relName(i.relation);
    if (i.idxname) out.push(t?.schema ? { schema: t.schema, name: i.idxname } : { name: i.idxname });
  }
  if (kind === 'RenameStmt') {
    const r = s as RenameStmt;
    const from = relName(r.relation);
    if (from && r.newname && (r.renameType === 'OBJECT_TABLE' || r.renameType === 'OBJECT_INDEX' || r.renameType === 'OBJECT_VIEW' || r.renameType === 'OBJECT_MATVIEW' || r.renameType === 'OBJECT_SEQUENCE' || r.renameType === 'OBJECT_FOREIGN_TABLE')) {
      out.push(from.schema ? { schema: from.schema, name: r.newname } : { name: r.newname });
    }
  }
  // Constraints with a name create an index of that name (PRIMARY KEY / UNIQUE / EXCLUDE).
  for (const c of constraintsAdded(stmt)) {
    if (c.constraint.conname && (c.constraint.contype === 'CONSTR_PRIMARY' || c.constraint.contype === 'CONSTR_UNIQUE' || c.constraint.contype === 'CONSTR_EXCLUSION')) {
      out.push(c.rel.schema ? { schema: c.rel.schema, name: c.constraint.conname } : { name: c.constraint.conname });
    }
  }
  return out;
}

/** Constraints a statement adds (ALTER TABLE ADD, inline column constraints, CREATE TABLE table constraints). */
export function constraintsAdded(stmt: ParsedStatement): { rel: RelName; constraint: Constraint; column: string | undefined; cmdIndex: number }[] {
  const out: { rel: RelName; constraint: Constraint; column: string | undefined; cmdIndex: number }[] = [];
  const alter = alterTableOf(stmt.node);
  if (alter?.rel) {
    const rel = alter.rel;
    alter.cmds.forEach((cmd: AlterTableCmd, i) => {
      if (cmd.subtype === 'AT_AddConstraint') {
        const c = constraintOf(cmd.def);
        if (c) out.push({ rel, constraint: c, column: undefined, cmdIndex: i });
      }
      const col = columnDefOf(cmd);
      if (col?.colname) for (const c of columnConstraints(col)) out.push({ rel, constraint: c, column: col.colname, cmdIndex: i });
    });
  }
  const create = as<CreateStmt>(stmt.node, 'CreateStmt');
  const crel = relName(create?.relation);
  if (create && crel) {
    for (const e of create.tableElts ?? []) {
      const col = as<ColumnDef>(e, 'ColumnDef');
      if (col?.colname) for (const c of columnConstraints(col)) out.push({ rel: crel, constraint: c, column: col.colname, cmdIndex: 0 });
      const c = constraintOf(e);
      if (c) out.push({ rel: crel, constraint: c, column: undefined, cmdIndex: 0 });
    }
  }
  return out;
}

/**
 * The text of a CHECK constraint's expression, from the statement source: the balanced parentheses after
 * CHECK at or after the constraint's location. Quote-aware ('…', "…", $tag$…$tag$, comments).
 */
export function checkExpressionText(stmt: ParsedStatement, c: Constraint): string | undefined {
  if (c.location === undefined) return undefined;
  const from = byteToCharOffset(stmt.text, c.location - stmt.locationBase);
  const m = /\bCHECK\s*\(/i.exec(stmt.text.slice(from));
  if (!m) return undefined;
  const open = from + m.index + m[0].length - 1;
  const close = matchingParen(stmt.text, open);
  return close === undefined ? undefined : stmt.text.slice(open + 1, close).trim();
}

export function matchingParen(text: string, open: number): number | undefined {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'" || ch === '"') {
      const end = text.indexOf(ch, i + 1);
      if (end < 0) return undefined;
      i = end;
      // doubled quote inside: the loop sees the next quote as a new string start, which is equivalent
      continue;
    }
    if (ch === '-' && text[i + 1] === '-') {
      const nl = text.indexOf('\n', i);
      if (nl < 0) return undefined;
      i = nl;
      continue;
    }
    if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return undefined;
      i = end + 1;
      continue;
    }
    if (ch === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(text.slice(i))?.[0];
      if (tag) {
        const end = text.indexOf(tag, i + tag.length);
        if (end < 0) return undefined;
        i = end + tag.length - 1;
        continue;
      }
    }
    if (ch === '(') depth++;
    if (ch === ')') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return undefined;
}

export function formatBytes(n: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} bytes` : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  return String(Math.round(n));
}

/** "orders: 1.2 GB, ~3.4M rows, ~12 writes/s" */
export function describeSize(t: LiveTable): string {
  const parts = [formatBytes(t.totalBytes), t.rowEstimate >= 0 ? `~${formatCount(t.rowEstimate)} rows` : 'rows unknown (never analyzed)'];
  if (t.writes) {
    const w = t.writes.perSecond;
    parts.push(w >= 1 ? `~${formatCount(w)} writes/s` : w > 0 ? `~${formatCount(w * 3600)} writes/h` : 'no writes');
  }
  return `${t.schema}.${t.name}: ${parts.join(', ')}`;
}

/** Columns added to (or renamed to in) a table by statements before `stmt` in its section. */
export function columnsAddedBefore(statements: readonly ParsedStatement[], stmt: ParsedStatement, rel: RelName): Set<string> {
  const out = new Set<string>();
  for (const s of statements) {
    if (s.index >= stmt.index) break;
    if (s.section !== stmt.section) continue;
    const alter = alterTableOf(s.node);
    if (alter?.rel && alter.rel.name === rel.name) {
      for (const cmd of alter.cmds) {
        const col = columnDefOf(cmd);
        if (col?.colname) out.add(col.colname);
      }
    }
    const r = as<RenameStmt>(s.node, 'RenameStmt');
    if (r?.renameType === 'OBJECT_COLUMN' && r.newname && relName(r.relation)?.name === rel.name) out.add(r.newname);
  }
  return out;
}
