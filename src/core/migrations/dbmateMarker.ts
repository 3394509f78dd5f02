// The dbmate section marker, written once: `-- migrate:up [options]` and `-- migrate:down` at the start of a
// line (dbmate's own rule; a leading byte-order mark is allowed on the first line). Discovery splits dbmate
// files with it; the lint selection takes any SQL file holding an up marker for a migration.

const MARKER_SOURCE = String.raw`^\uFEFF?--[ \t]*migrate:(up|down)\b(.*)$`;
const UP_MARKER = /^\uFEFF?--[ \t]*migrate:up\b/im;

export interface DbmateMarker {
  kind: 'up' | 'down';
  /** Offsets of the marker line (without its line break). */
  start: number;
  end: number;
  /** What follows the marker on its line, e.g. ` transaction:false`. */
  options: string;
}

/** Every marker of the text, in order. */
export function dbmateMarkers(text: string): DbmateMarker[] {
  const out: DbmateMarker[] = [];
  for (const m of text.matchAll(new RegExp(MARKER_SOURCE, 'gim'))) {
    const start = m.index ?? 0;
    out.push({ kind: (m[1] as string).toLowerCase() as 'up' | 'down', start, end: start + m[0].length, options: m[2] ?? '' });
  }
  return out;
}

/** Whether the text has a `-- migrate:up` line: such a file is a migration wherever it lives. */
export function hasMigrateUpMarker(text: string): boolean {
  return UP_MARKER.test(text);
}
