import type { A_Const, FuncCall, Node } from '@pgsql/types';
import { alterTableOf, as, columnConstraints, columnDefOf, relLabel, strings, typeNameOf, walk } from '../ast';
import { isNonVolatileBuiltin } from '../nonVolatileFunctions';
import type { Rule } from '../types';

/**
 * Built-in and common extension functions that are VOLATILE (pg_proc.provolatile = 'v') and show up in
 * column defaults. now(), current_timestamp, statement_timestamp() and friends are STABLE: since
 * Postgres 11 they are evaluated once and stored as the "missing" value, no rewrite.
 */
export const VOLATILE_FUNCTIONS = new Set([
  'random',
  'random_normal',
  'setseed',
  'gen_random_uuid',
  'uuidv4',
  'uuidv7',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'gen_random_bytes',
  'gen_salt',
  'clock_timestamp',
  'timeofday',
  'nextval',
  'currval',
  'lastval',
  'setval',
  'txid_current',
  'txid_current_if_assigned',
  'pg_current_xact_id',
  'pg_current_xact_id_if_assigned',
  'pg_sleep',
  'dblink',
]);

const SERIAL_TYPES = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

/**
 * The first call in the expression that may be volatile: a known volatile function, or any function that is
 * not a built-in IMMUTABLE/STABLE one with that many arguments (user-defined, extension, `now(123)`).
 */
export function volatileCall(expr: Node | undefined): { call: string; known: boolean } | undefined {
  let unknown: string | undefined;
  for (const [kind, n] of walk(expr)) {
    if (kind !== 'FuncCall') continue;
    const f = n as FuncCall;
    const names = strings(f.funcname);
    const name = names[names.length - 1]?.toLowerCase();
    if (!name) continue;
    if (VOLATILE_FUNCTIONS.has(name)) return { call: `${names.join('.')}()`, known: true };
    const schema = names.length > 1 ? names[0]?.toLowerCase() : 'pg_catalog';
    if (unknown === undefined && !(schema === 'pg_catalog' && isNonVolatileBuiltin(name, f.args?.length ?? 0))) unknown = `${names.join('.')}(${f.args?.length ? '...' : ''})`;
  }
  return unknown !== undefined ? { call: unknown, known: false } : undefined;
}

function isNullConst(expr: Node | undefined): boolean {
  return !!as<A_Const>(expr, 'A_Const')?.isnull;
}

export const addingFieldWithDefault: Rule = {
  meta: {
    id: 'adding-field-with-default',
    title: 'Adding a column with a volatile default rewrites the table',
    category: 'locks',
    defaultSeverity: 'warning',
    squawk: 'adding-field-with-default',
    lock: 'ACCESS EXCLUSIVE',
    description:
      'ALTER TABLE ... ADD COLUMN on an existing table whose value must be computed per row: a volatile DEFAULT (random(), gen_random_uuid(), clock_timestamp(), nextval()...), a serial type or an identity column; before Postgres 11, any non-NULL DEFAULT.',
    why: 'Postgres 11+ stores a non-volatile default once in the catalog, so the add is instant. A volatile default has to be evaluated for every existing row, so Postgres rewrites the whole table (and all its indexes) while holding an ACCESS EXCLUSIVE lock: every read and write on the table is blocked until the rewrite finishes. Before Postgres 11 every non-NULL default rewrites the table.',
    safe: 'Add the column without a default, then ALTER COLUMN ... SET DEFAULT (affects new rows only, no rewrite), then backfill existing rows in small batches. For ids, backfill from the sequence in batches, then attach it.',
    examples: {
      bad: [
        { sql: 'ALTER TABLE orders ADD COLUMN public_id uuid DEFAULT gen_random_uuid();' },
        { sql: "ALTER TABLE orders ADD COLUMN token text DEFAULT md5(random()::text);" },
        { sql: "ALTER TABLE orders ADD COLUMN settings jsonb DEFAULT default_settings();", note: 'A function that is not a built-in IMMUTABLE/STABLE one may be volatile: mark it or check it.' },
        { sql: 'ALTER TABLE orders ADD COLUMN seq bigserial;', note: 'serial means DEFAULT nextval(...): every row gets a value.' },
        { sql: 'ALTER TABLE orders ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;' },
        { sql: 'ALTER TABLE orders ADD COLUMN status text DEFAULT \'new\';', options: { pgVersion: 10 }, note: 'Before Postgres 11, any default rewrites the table.' },
      ],
      good: [
        { sql: "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';", note: 'A constant default is stored in the catalog (Postgres 11+): no rewrite.' },
        { sql: 'ALTER TABLE orders ADD COLUMN created_at timestamptz DEFAULT now();', note: 'now() is STABLE, not volatile: evaluated once, no rewrite.' },
        { sql: 'ALTER TABLE orders ADD COLUMN public_id uuid;\nALTER TABLE orders ALTER COLUMN public_id SET DEFAULT gen_random_uuid();', note: 'SET DEFAULT only applies to new rows; backfill the rest in batches.' },
        { sql: 'ALTER TABLE orders ADD COLUMN note text DEFAULT NULL;', options: { pgVersion: 10 } },
        { sql: 'CREATE TABLE payments (id bigint);\nALTER TABLE payments ADD COLUMN public_id uuid DEFAULT gen_random_uuid();', note: 'A table created in the same file has no rows to rewrite.' },
      ],
    },
    differences:
      'Like squawk, a call of anything but a built-in IMMUTABLE or STABLE function (taken from the Postgres 15 catalog, with its argument counts, so `now(123)` counts as unknown) is treated as possibly volatile: user-defined and extension functions (`uuid()`, `myjsonb()`) are flagged; silence the statement with an ignore comment when you know the function is not volatile. serial and identity columns are flagged (they are volatile defaults). STORED generated columns are reported by adding-stored-generated-column instead (squawk reports them under this id). With `pgVersion: 11` a constant default is not flagged: Postgres 11.0 already stores it in the catalog (squawk still flags it on exactly 11, as its version check is `> 11`).',
  },
  kinds: ['AlterTableStmt'],
  check(ctx) {
    const at = alterTableOf(ctx.stmt.node);
    if (!at || ctx.file.isNewTable(at.rel)) return;
    const table = relLabel(at.rel);
    const v11 = ctx.file.options.pgVersion >= 11;
    for (const cmd of at.cmds) {
      const col = columnDefOf(cmd);
      if (!col) continue;
      const name = col.colname ?? '?';
      const rewrite = `rewrites the whole of ${table} under an ACCESS EXCLUSIVE lock: every read and write on ${table} is blocked until every row is rewritten`;
      const type = typeNameOf(col.typeName);
      if (type && SERIAL_TYPES.has(type)) {
        ctx.report({
          message: `Adding ${type} column ${name} fills every existing row from a sequence (a volatile nextval() default), so it ${rewrite}.`,
          help: 'Add a plain bigint column, SET DEFAULT nextval(...) for new rows, and backfill existing rows in batches.',
          ...(col.location !== undefined ? { at: { location: col.location } } : {}),
        });
        continue;
      }
      for (const c of columnConstraints(col)) {
        if (c.contype === 'CONSTR_IDENTITY') {
          ctx.report({
            message: `Adding identity column ${name} fills every existing row from a sequence, so it ${rewrite}.`,
            help: 'Add a plain nullable column, backfill it in batches, set it NOT NULL safely, then ALTER COLUMN ... ADD GENERATED ... AS IDENTITY (no rewrite).',
            ...(c.location !== undefined ? { at: { location: c.location } } : {}),
          });
          continue;
        }
        if (c.contype !== 'CONSTR_DEFAULT' || isNullConst(c.raw_expr)) continue;
        const vol = volatileCall(c.raw_expr);
        if (!vol && v11) continue;
        ctx.report({
          message: vol
            ? vol.known
              ? `Adding column ${name} with a volatile DEFAULT (${vol.call}) ${rewrite}.`
              : `Adding column ${name} with a DEFAULT calling ${vol.call}, which is not a built-in IMMUTABLE or STABLE function: if it is volatile, the add ${rewrite}.`
            : `Before Postgres 11, adding column ${name} with a DEFAULT ${rewrite}.`,
          help: 'Add the column without a default, then ALTER COLUMN ... SET DEFAULT (new rows only), then backfill existing rows in batches.',
          ...(c.location !== undefined ? { at: { location: c.location } } : {}),
        });
      }
    }
  },
};
