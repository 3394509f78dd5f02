// Identifier and literal quoting for SQL that we generate (suggested actions, migrations). Always quotes
// identifiers: a name that happens to be a keyword or has capitals must never change meaning.

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
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
