import type { AlterTableCmd, DropStmt, IndexStmt, RenameStmt } from '@pgsql/types';
import { alterTableOf, as, relLabel, relName, sectionStatements } from '../ast';
import { columnsAddedBefore, dropNames, indexKeyColumn, liveRelation, relationsCreated } from '../liveFacts';
import { fileMemo } from '../summaries';
import type { FileState, ParsedStatement, RelName, Rule, RuleContext } from '../types';

/** Relation names created (or renamed to) before each statement, per section. */
function createdBefore(file: FileState, stmt: ParsedStatement): Set<string> {
  const statements = file.statements;
  const all = fileMemo(file, 'unknown-object:created', () => new Map<number, string[]>());
  let names = all.get(stmt.index);
  if (!names) {
    names = [];
    for (const s of sectionStatements(statements, stmt)) {
      if (s.index >= stmt.index) break;
      for (const r of relationsCreated(s)) names.push(r.name);
    }
    all.set(stmt.index, names);
  }
  return new Set(names);
}

const COLUMN_CMDS = new Set(['AT_DropColumn', 'AT_AlterColumnType', 'AT_SetNotNull', 'AT_DropNotNull', 'AT_ColumnDefault', 'AT_SetStatistics', 'AT_SetStorage', 'AT_SetOptions', 'AT_ResetOptions', 'AT_AddIdentity', 'AT_DropIdentity', 'AT_SetIdentity', 'AT_SetCompression', 'AT_DropExpression']);

export const unknownObject: Rule = {
  meta: {
    id: 'unknown-object',
    title: 'Table, column or index that does not exist',
    category: 'live',
    defaultSeverity: 'error',
    needsConnection: true,
    description:
      'ALTER, DROP or CREATE INDEX ON a table, column or index that exists neither in the connected database nor earlier in the file or in an earlier migration file of the same run (statements with IF EXISTS are skipped).',
    why: 'The migration fails when it reaches the statement, after the statements before it already ran (and took their locks); outside a transaction it leaves the schema half-migrated. Usually a typo, a wrong schema, or a migration that depends on one not yet applied.',
    safe: 'Fix the name, qualify it with the right schema, or order the migrations so the object is created first. Use IF EXISTS only where the object is genuinely optional.',
    examples: {
      bad: [
        { setup: 'CREATE TABLE users (id bigint, email text);', sql: 'ALTER TABLE user_accounts ADD COLUMN name text;' },
        { setup: 'CREATE TABLE users (id bigint, email text);', sql: 'ALTER TABLE users DROP COLUMN emial;' },
        { setup: 'CREATE TABLE users (id bigint, email text);', sql: 'DROP INDEX users_emial_idx;' },
        { setup: 'CREATE TABLE users (id bigint, email text);', sql: 'CREATE INDEX CONCURRENTLY users_name_idx ON users (name);' },
      ],
      good: [
        { setup: 'CREATE TABLE users (id bigint, email text);', sql: 'ALTER TABLE users ADD COLUMN name text;\nCREATE INDEX CONCURRENTLY users_name_idx ON users (name);', note: 'A column added earlier in the file exists by then.' },
        { setup: 'CREATE TABLE users (id bigint, email text);', sql: 'DROP INDEX IF EXISTS users_emial_idx;' },
        { setup: 'CREATE TABLE users (id bigint, email text);', sql: 'CREATE TABLE accounts (id bigint);\nALTER TABLE accounts ADD COLUMN name text;' },
      ],
    },
  },
  check(ctx) {
    const live = ctx.file.options.live;
    if (!live) return;
    const created = createdBefore(ctx.file, ctx.stmt);
    for (const name of live.createdByEarlierFiles ?? []) created.add(name);
    const where = `in database ${live.database}`;
    const missingRel = (rel: RelName | undefined, what: string): boolean => {
      if (!rel || created.has(rel.name)) return false;
      if (liveRelation(live, rel) !== null) return false;
      ctx.report({ message: `${what} ${relLabel(rel)} does not exist ${where} nor earlier in this file.`, help: 'Check the name and schema, or the order of migrations.' });
      return true;
    };
    const checkColumn = (rel: RelName, column: string, verb: string, ctxReport: RuleContext['report']): void => {
      if (created.has(rel.name)) return;
      const t = liveRelation(live, rel);
      if (!t || t.columns.length === 0) return;
      if (t.columns.some((c) => c.name === column)) return;
      if (columnsAddedBefore(ctx.file.statements, ctx.stmt, rel).has(column)) return;
      ctxReport({ message: `Column ${column} of ${relLabel(rel)} does not exist ${where} nor earlier in this file (${verb}).`, help: `Columns of ${t.schema}.${t.name}: ${t.columns.map((c) => c.name).join(', ')}.` });
    };

    const alter = alterTableOf(ctx.stmt.node);
    if (alter) {
      if (alter.stmt.missing_ok) return;
      if (missingRel(alter.rel, 'Table')) return;
      const rel = alter.rel;
      if (!rel) return;
      for (const cmd of alter.cmds as AlterTableCmd[]) {
        if (cmd.missing_ok) continue;
        if (cmd.name && COLUMN_CMDS.has(String(cmd.subtype))) checkColumn(rel, cmd.name, String(cmd.subtype).replace(/^AT_/, ''), ctx.report);
      }
      return;
    }
    const rename = as<RenameStmt>(ctx.stmt.node, 'RenameStmt');
    if (rename) {
      if (rename.missing_ok) return;
      const rel = relName(rename.relation);
      if (rename.renameType === 'OBJECT_COLUMN' && rel) {
        if (!missingRel(rel, 'Table')) checkColumn(rel, rename.subname ?? '', 'RENAME COLUMN', ctx.report);
        return;
      }
      if (rename.renameType === 'OBJECT_TABLE') missingRel(rel, 'Table');
      if (rename.renameType === 'OBJECT_INDEX') missingRel(rel, 'Index');
      return;
    }
    const drop = as<DropStmt>(ctx.stmt.node, 'DropStmt');
    if (drop) {
      if (drop.missing_ok) return;
      const what = drop.removeType === 'OBJECT_TABLE' ? 'Table' : drop.removeType === 'OBJECT_INDEX' ? 'Index' : drop.removeType === 'OBJECT_VIEW' ? 'View' : drop.removeType === 'OBJECT_MATVIEW' ? 'Materialized view' : undefined;
      if (what) for (const r of dropNames(drop)) missingRel(r, what);
      return;
    }
    const idx = as<IndexStmt>(ctx.stmt.node, 'IndexStmt');
    if (idx) {
      const rel = relName(idx.relation);
      if (!rel || missingRel(rel, 'Table')) return;
      for (const p of [...(idx.indexParams ?? []), ...(idx.indexIncludingParams ?? [])]) {
        const col = indexKeyColumn(p);
        if (col) checkColumn(rel, col, 'CREATE INDEX', ctx.report);
      }
    }
  },
};

