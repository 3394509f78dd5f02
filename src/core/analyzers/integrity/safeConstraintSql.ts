// "Add constraint" migrations that are safe on a live table. Each step is meant to be its own migration
// file (its own transaction), because the point is that the long part (checking existing rows) runs
// under a lock that does not block reads or writes:
//   CHECK / FOREIGN KEY: ADD ... NOT VALID (brief lock, no scan), then VALIDATE CONSTRAINT (SHARE UPDATE
//     EXCLUSIVE: reads and writes continue while it scans).
//   NOT NULL (PG >= 12): a CHECK (col IS NOT NULL) NOT VALID, then in a later migration VALIDATE it, SET NOT
//     NULL (which sees the validated CHECK and skips its full-table scan) and drop the helper CHECK.
//   UNIQUE: CREATE UNIQUE INDEX CONCURRENTLY (outside a transaction), then ADD CONSTRAINT ... USING INDEX.
import { generatedName } from '../../sql/generatedName';
import { qualifiedName, quoteIdent } from '../../sql/quote';

export interface MigrationStep {
  title: string;
  sql: string;
  /** Must run outside a transaction block (CREATE INDEX CONCURRENTLY). */
  noTransaction?: boolean;
}

// Steps that take a strong lock are instant (no scan), so short timeouts: if the lock cannot be had
// quickly, give up rather than queue every other query on the table behind us.
const LOCK_TIMEOUT = "SET lock_timeout = '5s';\nSET statement_timeout = '10s';";

/** A generated constraint / index name: ≤ 63 bytes and unique for different parts (core/sql/generatedName). */
export function identifierName(...parts: string[]): string {
  return generatedName(parts);
}

export function checkConstraintMigration(schema: string, table: string, name: string, expression: string): MigrationStep[] {
  const t = qualifiedName(schema, table);
  return [
    {
      title: 'add the CHECK without scanning existing rows (brief ACCESS EXCLUSIVE lock)',
      sql: `${LOCK_TIMEOUT}\nALTER TABLE ${t} ADD CONSTRAINT ${quoteIdent(name)} CHECK (${expression}) NOT VALID;`,
    },
    validateStep(schema, table, name),
  ];
}

export function foreignKeyMigration(
  schema: string,
  table: string,
  name: string,
  columns: string[],
  refSchema: string,
  refTable: string,
  refColumns: string[],
): MigrationStep[] {
  return [
    {
      title: 'add the FOREIGN KEY without scanning existing rows (brief SHARE ROW EXCLUSIVE locks on both tables)',
      sql: `${LOCK_TIMEOUT}\nALTER TABLE ${qualifiedName(schema, table)} ADD CONSTRAINT ${quoteIdent(name)} FOREIGN KEY (${columns.map(quoteIdent).join(', ')}) REFERENCES ${qualifiedName(refSchema, refTable)} (${refColumns.map(quoteIdent).join(', ')}) NOT VALID;`,
    },
    validateStep(schema, table, name),
  ];
}

export function validateStep(schema: string, table: string, name: string): MigrationStep {
  return {
    title: 'check the existing rows (SHARE UPDATE EXCLUSIVE: reads and writes continue)',
    sql: `ALTER TABLE ${qualifiedName(schema, table)} VALIDATE CONSTRAINT ${quoteIdent(name)};`,
  };
}

export function notNullMigration(schema: string, table: string, column: string, serverVersionNum: number): MigrationStep[] {
  const t = qualifiedName(schema, table);
  const c = quoteIdent(column);
  // <table>_<col>_not_null, or <col>_not_null when that is too long: both tell the linter which column the
  // validated helper proves (adding-not-nullable-field); a hashed name only when even that is too long.
  const full = identifierName(table, column, 'not_null');
  const check = full === `${table}_${column}_not_null` ? full : identifierName(column, 'not_null');
  // Before PostgreSQL 12, SET NOT NULL always scans under ACCESS EXCLUSIVE: the validated CHECK is the
  // safe equivalent and stays.
  if (serverVersionNum < 120000) return checkConstraintMigration(schema, table, check, `${c} IS NOT NULL`);
  return [
    checkConstraintMigration(schema, table, check, `${c} IS NOT NULL`)[0]!,
    {
      title:
        'validate the helper CHECK (SHARE UPDATE EXCLUSIVE: reads and writes continue), then SET NOT NULL, which uses it instead of scanning (brief ACCESS EXCLUSIVE lock), and drop it',
      sql: `ALTER TABLE ${t} VALIDATE CONSTRAINT ${quoteIdent(check)};\n${LOCK_TIMEOUT}\nALTER TABLE ${t} ALTER COLUMN ${c} SET NOT NULL;\nALTER TABLE ${t} DROP CONSTRAINT ${quoteIdent(check)};`,
    },
  ];
}

export function uniqueMigration(schema: string, table: string, columns: string[], name: string): MigrationStep[] {
  const t = qualifiedName(schema, table);
  return [
    {
      title: 'build the unique index without blocking writes (outside a transaction block)',
      sql: `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${quoteIdent(name)} ON ${t} (${columns.map(quoteIdent).join(', ')});`,
      noTransaction: true,
    },
    {
      title: 'turn the index into a UNIQUE constraint (no scan, brief lock)',
      sql: `${LOCK_TIMEOUT}\nALTER TABLE ${t} ADD CONSTRAINT ${quoteIdent(name)} UNIQUE USING INDEX ${quoteIdent(name)};`,
    },
  ];
}

/** One text for the report: each step marked as its own migration file. */
export function renderMigration(steps: MigrationStep[], preface?: string): string {
  const parts = steps.map(
    (s, i) => `-- Migration ${i + 1} of ${steps.length}${s.noTransaction ? ' (no transaction block)' : ''}: ${s.title}\n${s.sql}`,
  );
  return [...(preface ? [preface] : []), ...parts].join('\n\n');
}
