// ~/.pgpass (or PGPASSFILE) read the way libpq reads it: `host:port:database:user:password` lines, `*` matches
// anything, `\:` and `\\` are escapes, the first matching line wins, and a file that group or others may read is
// ignored. We read it ourselves instead of leaving it to the pg driver, whose built-in lookup is deprecated
// (it prints a DeprecationWarning to the user's terminal whenever it finds a password).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvAccess } from './connectionSpec';

export interface PgpassKey {
  host: string;
  port: number;
  database: string;
  user: string;
}

function splitFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && i + 1 < line.length) cur += line[++i];
    else if (c === ':') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** The password of the first line matching `key`, or undefined. Pure. */
export function pgpassLookup(text: string, key: PgpassKey): string | undefined {
  // libpq compares the host as given; a local-socket connection is matched as "localhost".
  const host = key.host.startsWith('/') ? 'localhost' : key.host;
  const want = [host, String(key.port), key.database, key.user];
  for (const raw of text.split(/\r?\n/)) {
    if (raw.trim() === '' || raw.startsWith('#')) continue;
    const f = splitFields(raw);
    if (f.length < 5) continue;
    if (want.every((w, i) => f[i] === '*' || f[i] === w)) return f.slice(4).join(':');
  }
  return undefined;
}

/** The password file libpq would read: PGPASSFILE, else ~/.pgpass. */
export function pgpassPath(access: EnvAccess): string {
  return access.env.PGPASSFILE || join(access.homedir, '.pgpass');
}

/** Looks the connection up in the user's password file; undefined when there is none, it is unsafe, or nothing matches. */
export function readPgpassPassword(access: EnvAccess, key: PgpassKey): string | undefined {
  const file = pgpassPath(access);
  try {
    const st = statSync(file);
    if (!st.isFile() || (process.platform !== 'win32' && st.mode & 0o077)) return undefined;
  } catch {
    return undefined;
  }
  const text = access.readFile(file);
  return text === undefined ? undefined : pgpassLookup(text, key);
}
