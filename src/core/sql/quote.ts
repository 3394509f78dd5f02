// Identifier and literal quoting for SQL that we generate (suggested actions, migrations). Always quotes
// identifiers: a name that happens to be a keyword or has capitals must never change meaning.

/** Reserved keywords (PostgreSQL's "reserved" and "reserved (can be function or type)"): never bare. */
const RESERVED = new Set(
  'all analyse analyze and any array as asc asymmetric authorization between binary both case cast check collate collation column concurrently constraint create cross current_catalog current_date current_role current_schema current_time current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign freeze from full grant group having ilike in initially inner intersect into is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references returning right select session_user similar some symmetric system_user table tablesample then to trailing true union unique user using variadic verbose when where window with'.split(' '),
);

/** The one identifier-quoting function: always quotes (SQL the tool generates and runs). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * For text inserted into the user's own SQL (a lint fix): a name that is lower-case, plain and not a
 * reserved word stays as the user would write it (`IF NOT EXISTS note`, not `"note"`); anything else goes
 * through quoteIdent.
 */
export function quoteIdentIfNeeded(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name) ? name : quoteIdent(name);
}

export function qualifiedName(schema: string | undefined, name: string): string {
  return schema ? `${quoteIdent(schema)}.${quoteIdent(name)}` : quoteIdent(name);
}

export function quoteLiteral(value: string): string {
  // E'' form only when a backslash is present, as pg.escapeLiteral does.
  const hasBackslash = value.includes('\\');
  const body = value.replace(/'/g, "''").replace(/\\/g, '\\\\');
  return `${hasBackslash ? ' E' : ''}'${body}'`.trimStart();
}
