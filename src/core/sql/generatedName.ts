// Names of objects the tool generates (indexes, constraints): `part_part_suffix`, always at most 63 bytes
// (Postgres truncates longer identifiers silently, so the name printed would not be the name created, and
// two long names could truncate to the same one — or to the table's own name). Too long: the head is cut
// on a UTF-8 character boundary and a short hash of the full name keeps it unique, before the suffix
// (`_idx`, `_key`, `_check`…), which stays so the kind of object is still readable.

export const MAX_IDENTIFIER_BYTES = 63;

const enc = new TextEncoder();
const bytes = (s: string): number => enc.encode(s).length;

/** First bytes of `s` (at most `max`), never splitting a character. */
export function truncateUtf8(s: string, max: number): string {
  if (bytes(s) <= max) return s;
  let out = '';
  let n = 0;
  for (const ch of s) {
    const b = bytes(ch);
    if (n + b > max) break;
    out += ch;
    n += b;
  }
  return out;
}

/** 8 hex digits (FNV-1a over the UTF-8 bytes): short, stable across runs and platforms. */
export function shortHash(s: string): string {
  let h = 0x811c9dc5;
  for (const b of enc.encode(s)) h = Math.imul(h ^ b, 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * `parts` joined with `_` (empty parts skipped); the last part is the suffix. Unique for different parts
 * and ≤ 63 bytes. `taken`: names already used (existing relations of the schema, names generated in the
 * same run); a clash gets the hash form too.
 */
export function generatedName(parts: readonly string[], taken?: ReadonlySet<string>): string {
  const kept = parts.filter((p) => p !== '');
  const full = kept.join('_');
  if (bytes(full) <= MAX_IDENTIFIER_BYTES && !taken?.has(full)) return full;
  const suffix = kept.length > 1 ? kept[kept.length - 1]! : '';
  const head = kept.length > 1 ? kept.slice(0, -1).join('_') : full;
  const tail = `_${shortHash(full)}${suffix ? `_${truncateUtf8(suffix, 16)}` : ''}`;
  const name = `${truncateUtf8(head, MAX_IDENTIFIER_BYTES - bytes(tail))}${tail}`;
  return name;
}
