// The one place a SQL file's bytes become text: UTF-8, without a leading byte-order mark. Editors on
// Windows save migrations with a BOM; psql skips it, and so must pgopt (the parser and the server see
// U+FEFF as a syntax error). Used by discovery (migrate, checksums), `pgopt lint` and live lint.
// Checksums are computed over this text, so a BOM added or removed by an editor is not drift — like
// CRLF vs LF (see migrations/checksum.ts), and like Flyway's own checksum.

const BOM = '\uFEFF';

export function stripBom(text: string): string {
  return text.startsWith(BOM) ? text.slice(1) : text;
}

export function sqlFileText(bytes: Uint8Array | string): string {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return stripBom(text);
}

/**
 * For the linter, whose finding offsets must stay valid in the caller's text: a leading BOM becomes a
 * space (same length) instead of being removed.
 */
export function blankBom(text: string): string {
  return text.startsWith(BOM) ? ` ${text.slice(1)}` : text;
}
