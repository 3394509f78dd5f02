import type { A_Const, AlterTableCmd, ColumnDef, ColumnRef, Node, TypeCast, TypeName } from '@pgsql/types';
import { alterTableOf, as, columnDefOf, relKey, relLabel, strings, typeNameOf } from '../ast';
import { fileMemo } from '../summaries';
import { liveRelation } from '../liveFacts';
import type { FileState, LiveContext, RelName, Rule } from '../types';

interface ColType {
  name: string;
  mods: number[];
  array: boolean;
}

function colType(t: TypeName | undefined): ColType | undefined {
  const name = typeNameOf(t);
  if (!name) return undefined;
  const mods = (t?.typmods ?? []).map((m) => as<A_Const>(m, 'A_Const')?.ival?.ival ?? 0);
  return { name: name === 'character varying' ? 'varchar' : name, mods, array: (t?.arrayBounds?.length ?? 0) > 0 };
}

const DISPLAY: Record<string, string> = { int2: 'smallint', int4: 'integer', int8: 'bigint', float4: 'real', float8: 'double precision', bool: 'boolean', bpchar: 'char' };

function show(t: ColType): string {
  return `${DISPLAY[t.name] ?? t.name}${t.mods.length ? `(${t.mods.join(',')})` : ''}${t.array ? '[]' : ''}`;
}

const TEXTUAL = new Set(['text', 'varchar']);

/** Type changes Postgres does without rewriting (binary-coercible, or a widened length/precision). */
function binaryCompatible(from: ColType, to: ColType): boolean {
  if (from.array !== to.array) return false;
  if (from.name === to.name && from.mods.join() === to.mods.join()) return true;
  if (TEXTUAL.has(from.name) && TEXTUAL.has(to.name)) {
    const fromLen = from.name === 'varchar' ? from.mods[0] : undefined; // undefined = unlimited
    const toLen = to.name === 'varchar' ? to.mods[0] : undefined;
    if (toLen === undefined) return true; // -> text or unbounded varchar
    return fromLen !== undefined && toLen >= fromLen;
  }
  if (from.name === 'numeric' && to.name === 'numeric') {
    if (!to.mods.length) return true;
    const [fp, fs = 0] = from.mods;
    const [tp, ts = 0] = to.mods;
    return fp !== undefined && tp !== undefined && ts === fs && tp >= fp;
  }
  if ((from.name === 'varbit' || from.name === 'bit varying') && from.name === to.name) {
    const f = from.mods[0];
    const t = to.mods[0];
    return t === undefined || (f !== undefined && t >= f);
  }
  return from.name === 'cidr' && to.name === 'inet';
}

/** Per table, per column, its type as last declared by earlier statements of this file (ADD COLUMN or ALTER ... TYPE). */
function declared(file: FileState): Map<string, Map<string, ColType | undefined>> {
  return fileMemo(file, 'changing-column-type', () => new Map<string, Map<string, ColType | undefined>>());
}

/** One object per distinct type: a file adding thousands of `int` columns keeps one. */
function internType(file: FileState, t: ColType | undefined): ColType | undefined {
  if (!t) return t;
  const types = fileMemo(file, 'changing-column-type:types', () => new Map<string, ColType>());
  const key = `${t.name}(${t.mods.join(',')})${t.array ? '[]' : ''}`;
  const known = types.get(key);
  if (known) return known;
  types.set(key, t);
  return t;
}

function declaredEarlier(file: FileState, rel: RelName, column: string): ColType | undefined {
  return declared(file).get(relKey(rel))?.get(column.toLowerCase());
}

const FORMAT_TYPE_NAMES: Record<string, string> = {
  integer: 'int4',
  bigint: 'int8',
  smallint: 'int2',
  'double precision': 'float8',
  real: 'float4',
  boolean: 'bool',
  'character varying': 'varchar',
  character: 'bpchar',
  'bit varying': 'varbit',
  'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamptz',
  'time without time zone': 'time',
  'time with time zone': 'timetz',
};

/** A `format_type()` string from the live catalog ("numeric(12,2)", "character varying(255)[]") as a ColType. */
export function parseFormatType(s: string): ColType | undefined {
  const m = /^(?:"?pg_catalog"?\.)?("?[^(\[]*?"?)\s*(?:\(([\d,\s]+)\))?\s*((?:without|with) time zone)?\s*((?:\[\])*)$/i.exec(s.trim());
  if (!m) return undefined;
  let name = (m[1] ?? '').replace(/"/g, '').toLowerCase();
  if (m[3]) name = `${name} ${m[3].toLowerCase()}`;
  name = FORMAT_TYPE_NAMES[name] ?? name;
  const mods = m[2] ? m[2].split(',').map((x) => Number(x.trim())) : [];
  return { name, mods, array: !!m[4] };
}

/** The column's current type in the connected database (pgopt lint --url / the editor's connection). */
function liveType(live: LiveContext | undefined, rel: RelName, column: string): ColType | undefined {
  const t = liveRelation(live, rel);
  const col = t?.columns.find((c) => c.name === column || c.name.toLowerCase() === column.toLowerCase());
  return col ? parseFormatType(col.type) : undefined;
}

/** USING that is just the column (or the column cast to the new type) converts nothing by itself. */
function trivialUsing(expr: Node | undefined, column: string, to: ColType): boolean {
  if (!expr) return true;
  const cast = as<TypeCast>(expr, 'TypeCast');
  const inner = cast ? cast.arg : expr;
  const ref = strings(as<ColumnRef>(inner, 'ColumnRef')?.fields);
  if (ref.length !== 1 || ref[0]?.toLowerCase() !== column.toLowerCase()) return false;
  if (!cast) return true;
  const ct = colType(cast.typeName);
  return !!ct && ct.name === to.name && ct.array === to.array;
}

export const changingColumnType: Rule = {
  meta: {
    id: 'changing-column-type',
    title: 'Changing a column type rewrites the table',
    category: 'locks',
    defaultSeverity: 'warning',
    squawk: 'changing-column-type',
    lock: 'ACCESS EXCLUSIVE',
    description: 'ALTER TABLE ... ALTER COLUMN ... TYPE that makes Postgres rewrite the table (int -> bigint, text -> jsonb, narrowing a varchar...), on an existing table.',
    why: 'Unless the old and new types are binary-compatible, Postgres rewrites every row and rebuilds every index of the table while holding an ACCESS EXCLUSIVE lock: every read and write on the table is blocked until the rewrite finishes, which takes minutes to hours on a large table. The new type may also break clients that read the column.',
    safe: 'Add a new column of the new type, keep it in sync with a trigger, backfill it in batches, then swap the columns (rename) in a short transaction. Widening varchar(n), varchar -> text and widening numeric precision are safe and not flagged.',
    examples: {
      bad: [
        { sql: 'ALTER TABLE orders ALTER COLUMN id TYPE bigint;' },
        { sql: 'ALTER TABLE events ALTER COLUMN payload TYPE jsonb USING payload::jsonb;' },
        { sql: 'ALTER TABLE users ALTER COLUMN bio TYPE text;', note: 'The old type is not in the file: flagged unless a connection shows it is varchar (then binary-compatible).' },
        {
          sql: 'ALTER TABLE users ADD COLUMN nickname varchar(100);\nALTER TABLE users ALTER COLUMN nickname TYPE varchar(50);',
          note: 'Shrinking a varchar checks and rewrites every row.',
        },
      ],
      good: [
        { sql: 'ALTER TABLE users ADD COLUMN bio varchar(500);\nALTER TABLE users ALTER COLUMN bio TYPE text;', note: 'varchar -> text is binary-compatible: no rewrite.' },
        { sql: 'ALTER TABLE users ADD COLUMN name varchar(100);\nALTER TABLE users ALTER COLUMN name TYPE varchar(255) USING name::varchar(255);', note: 'Widening a varchar is a catalog-only change.' },
        { sql: 'ALTER TABLE users ADD COLUMN nickname varchar(50);\nALTER TABLE users ALTER COLUMN nickname TYPE varchar(100);' },
        { sql: 'ALTER TABLE invoices ADD COLUMN amount numeric(12,2);\nALTER TABLE invoices ALTER COLUMN amount TYPE numeric(14,2);', note: 'Raising numeric precision (same scale) needs no rewrite.' },
        { sql: 'CREATE TABLE counters (id int, n int);\nALTER TABLE counters ALTER COLUMN n TYPE bigint;', note: 'A table created in the same file is empty.' },
      ],
    },
    differences:
      'Known binary-compatible changes are not flagged (squawk flags every type change): the old type comes from an earlier statement of the file or, with a connection, from the live catalog (so `double precision -> numeric(12,2)` is flagged and `varchar(50) -> text` is not). When the old type is unknown, every change is flagged like squawk does, with a message that says a widening would be safe. A USING other than a plain cast of the column is always flagged.',
  },
  kinds: ['AlterTableStmt'],
  check(ctx) {
    const at = alterTableOf(ctx.stmt.node);
    if (!at || !at.rel || ctx.file.isNewTable(at.rel)) return;
    const table = relLabel(at.rel);
    for (const cmd of at.cmds as AlterTableCmd[]) {
      if (cmd.subtype !== 'AT_AlterColumnType' || !cmd.name) continue;
      const def = as<ColumnDef>(cmd.def, 'ColumnDef');
      const to = colType(def?.typeName);
      if (!to) continue;
      const plain = trivialUsing(def?.raw_default, cmd.name, to);
      const from = declaredEarlier(ctx.file, at.rel, cmd.name) ?? liveType(ctx.file.options.live, at.rel, cmd.name);
      if (plain && from && binaryCompatible(from, to)) continue;
      // The old type is unknown (not in the file, no connection): a change to text / varchar / numeric(p,s)
      // may be a catalog-only widening, so say so instead of asserting a rewrite.
      const maybe = !from && plain && !to.array && (TEXTUAL.has(to.name) || to.name === 'numeric');
      ctx.report({
        message: maybe
          ? `Changing ${table}.${cmd.name} to ${show(to)} rewrites the whole table and rebuilds its indexes under an ACCESS EXCLUSIVE lock unless the current type is binary-compatible with it (e.g. varchar -> text, a wider varchar or numeric precision): the old type is not in this file. Lint with a connection (--url) to know.`
          : `Changing ${table}.${cmd.name}${from ? ` from ${show(from)}` : ''} to ${show(to)} rewrites the whole table and rebuilds its indexes under an ACCESS EXCLUSIVE lock: every read and write on ${table} is blocked until it finishes.`,
        help: 'Add a new column of the new type, sync it with a trigger, backfill in batches, then swap the columns in a short transaction.',
        ...(def?.typeName?.location !== undefined ? { at: { location: def.typeName.location } } : {}),
      });
    }
  },
  summarizeKinds: ['AlterTableStmt'],
  summarize(ctx) {
    if (ctx.stmt.kind !== 'AlterTableStmt') return;
    const at = alterTableOf(ctx.stmt.node);
    if (!at?.rel) return;
    let cols: Map<string, ColType | undefined> | undefined;
    const set = (col: string, t: ColType | undefined): void => {
      if (!cols) {
        const byTable = declared(ctx.file);
        const k = relKey(at.rel as RelName);
        cols = byTable.get(k);
        if (!cols) byTable.set(k, (cols = new Map()));
      }
      cols.set(col.toLowerCase(), internType(ctx.file, t));
    };
    for (const cmd of at.cmds) {
      const added = columnDefOf(cmd);
      if (added?.colname !== undefined) set(added.colname, colType(added.typeName));
      if (cmd.subtype === 'AT_AlterColumnType' && cmd.name !== undefined) set(cmd.name, colType(as<ColumnDef>(cmd.def, 'ColumnDef')?.typeName));
    }
  },
};
