// A tiny stand-in for the migration runner's discovery, so `pgopt migrate trace` works on its own: reads
// the up SQL of every migration file in one directory, ordered by version. Formats: golang-migrate
// (N_name.up.sql), dbmate (-- migrate:up / -- migrate:down in one file), node-pg-migrate SQL (-- Up Migration /
// -- Down Migration), Flyway (V1__name.sql; U… undo files skipped; R__ repeatables last) and plain NNN_name.sql.
// The lead swaps this one function for the runner's discoverMigrations (which also knows what is pending).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TraceMigration } from './traceTypes';

/** The up part of a file that holds both directions; the whole text when it has no markers. */
export function upSection(text: string): string {
  const up = /^--\s*(?:migrate:up|Up Migration)\b.*$/im.exec(text);
  const down = /^--\s*(?:migrate:down|Down Migration)\b.*$/im.exec(text);
  if (!up && !down) return text;
  const start = up ? up.index + up[0].length : 0;
  const end = down && down.index >= start ? down.index : text.length;
  return text.slice(start, end);
}

interface Entry {
  version: string;
  name: string;
  file: string;
  repeatable: boolean;
}

function parseFileName(file: string): Entry | undefined {
  if (!file.endsWith('.sql') || file.endsWith('.down.sql')) return undefined;
  const base = file.replace(/\.up\.sql$|\.sql$/, '');
  let m = /^V(\d+(?:[._]\d+)*)__(.*)$/.exec(base);
  if (m) return { version: (m[1] ?? '').replace(/_/g, '.'), name: m[2] ?? '', file, repeatable: false };
  m = /^R__(.*)$/.exec(base);
  if (m) return { version: 'R', name: m[1] ?? '', file, repeatable: true };
  if (/^U\d/.test(base)) return undefined;
  m = /^(\d+)[_-](.*)$/.exec(base);
  if (m) return { version: m[1] ?? '', name: m[2] ?? '', file, repeatable: false };
  if (/^\d+$/.test(base)) return { version: base, name: '', file, repeatable: false };
  return undefined;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Migrations in `dir`, ordered, optionally only those with a version at or after `from` (the first one the
 * target has not applied yet: a scratch copy of the current schema already has the earlier ones).
 */
export function loadMigrationsForTrace(dir: string, from?: string): TraceMigration[] {
  const entries = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => parseFileName(d.name))
    .filter((e): e is Entry => e !== undefined);
  const versioned = entries.filter((e) => !e.repeatable).sort((a, b) => compareVersions(a.version, b.version) || a.file.localeCompare(b.file));
  const repeatable = entries.filter((e) => e.repeatable).sort((a, b) => a.file.localeCompare(b.file));
  const picked = from === undefined ? versioned : versioned.filter((e) => compareVersions(e.version, from) >= 0);
  return [...picked, ...repeatable].map((e) => ({ version: e.version, name: e.name, sql: upSection(readFileSync(join(dir, e.file), 'utf8')) }));
}
