// Finds migrations in one directory and reads them in the format the files use (auto-detected unless
// configured): golang-migrate, dbmate, Flyway or plain numbered files. Duplicates, gaps and files that do
// not fit the format are reported as problems, never silently ignored.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { migrationChecksum } from './checksum';
import { dbmateMarkers, hasMigrateUpMarker } from './dbmateMarker';
import { sqlFileText } from '../sql/sqlFileText';
import { compareVersions, normalizeVersion } from './versions';
import type { Discovery, DiscoveryProblem, Migration, MigrationFormat } from './types';

export interface MigrationFile {
  /** File name (no directory). */
  name: string;
  path: string;
  text: string;
}

export interface DiscoverOptions {
  /** 'auto' (default) detects the format from the file names and contents. */
  format?: MigrationFormat | 'auto';
}

const GOLANG = /^(\d+)_(.+)\.(up|down)\.sql$/i;
const FLYWAY = /^([VU])(\d+(?:[._]\d+)*)__(.+)\.sql$/;
const FLYWAY_REPEATABLE = /^R__(.+)\.sql$/;
const NUMBERED = /^(\d+)(?:[_-](.*))?\.sql$/i;

/** Reads the .sql files of `dir` (not recursive) and parses them. */
export function discoverMigrations(dir: string, opts: DiscoverOptions = {}): Discovery {
  const abs = resolve(dir);
  let names: string[];
  try {
    if (!statSync(abs).isDirectory()) throw new Error('not a directory');
    names = readdirSync(abs);
  } catch (e) {
    return {
      dir: abs,
      format: opts.format && opts.format !== 'auto' ? opts.format : 'plain',
      detected: false,
      migrations: [],
      problems: [{ severity: 'error', message: `cannot read migrations directory ${abs}: ${(e as Error).message}` }],
    };
  }
  const files: MigrationFile[] = [];
  const unreadable: DiscoveryProblem[] = [];
  for (const name of names.sort()) {
    if (!name.toLowerCase().endsWith('.sql')) continue;
    const path = join(abs, name);
    try {
      if (!statSync(path).isFile()) continue;
      files.push({ name, path, text: sqlFileText(readFileSync(path)) });
    } catch (e) {
      unreadable.push({ severity: 'error', file: path, message: `cannot read ${name}: ${(e as Error).message}` });
    }
  }
  const parsed = parseMigrationFiles(files, opts);
  return { ...parsed, dir: abs, problems: [...unreadable, ...parsed.problems] };
}

/** Which format a set of files is written in. */
export function detectFormat(files: readonly MigrationFile[]): MigrationFormat {
  if (files.some((f) => GOLANG.test(f.name))) return 'golang-migrate';
  if (files.some((f) => FLYWAY.test(f.name) || FLYWAY_REPEATABLE.test(f.name))) return 'flyway';
  if (files.some((f) => hasMigrateUpMarker(f.text))) return 'dbmate';
  return 'plain';
}

/** Pure part of discovery: file names and texts in, migrations and problems out. */
export function parseMigrationFiles(files: readonly MigrationFile[], opts: DiscoverOptions = {}): Discovery {
  const detected = !opts.format || opts.format === 'auto';
  const format = detected ? detectFormat(files) : (opts.format as MigrationFormat);
  const problems: DiscoveryProblem[] = [];
  let migrations: Migration[];
  switch (format) {
    case 'golang-migrate':
      migrations = parseGolang(files, problems);
      break;
    case 'flyway':
      migrations = parseFlyway(files, problems);
      break;
    case 'dbmate':
      migrations = parseDbmate(files, problems);
      break;
    default:
      migrations = parsePlain(files, problems);
  }
  const versioned = migrations.filter((m) => !m.repeatable).sort((a, b) => compareVersions(a.version, b.version));
  const repeatable = migrations.filter((m) => m.repeatable).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  checkDuplicates(versioned, problems);
  checkGaps(versioned, problems);
  return { dir: '', format, detected, migrations: [...versioned, ...repeatable], problems };
}

function make(version: string, name: string, format: MigrationFormat, upPath: string, upSql: string, extra: Partial<Migration> = {}): Migration {
  return { version: normalizeVersion(version), name, format, repeatable: false, upPath, upSql, checksum: migrationChecksum(upSql), ...extra };
}

function ignored(f: MigrationFile, format: MigrationFormat, problems: DiscoveryProblem[], expected: string): void {
  problems.push({ severity: 'warning', file: f.path, message: `${f.name} is not a ${format} migration (expected ${expected}); ignored` });
}

function parseGolang(files: readonly MigrationFile[], problems: DiscoveryProblem[]): Migration[] {
  const ups = new Map<string, { f: MigrationFile; name: string; version: string }[]>();
  const downs = new Map<string, MigrationFile>();
  for (const f of files) {
    const m = GOLANG.exec(f.name);
    if (!m) {
      ignored(f, 'golang-migrate', problems, 'N_name.up.sql / N_name.down.sql');
      continue;
    }
    const key = normalizeVersion(m[1] as string);
    if ((m[3] as string).toLowerCase() === 'up') ups.set(key, [...(ups.get(key) ?? []), { f, name: m[2] as string, version: m[1] as string }]);
    else if (downs.has(key)) problems.push({ severity: 'error', file: f.path, message: `two down files for version ${key}: ${downs.get(key)?.name} and ${f.name}` });
    else downs.set(key, f);
  }
  const out: Migration[] = [];
  for (const [key, list] of ups) {
    for (const u of list) {
      const down = downs.get(key);
      out.push(make(u.version, u.name, 'golang-migrate', u.f.path, u.f.text, down ? { downPath: down.path, downSql: down.text } : {}));
    }
  }
  for (const [key, d] of downs) if (!ups.has(key)) problems.push({ severity: 'warning', file: d.path, message: `${d.name} has no matching up file` });
  return out;
}

function parseFlyway(files: readonly MigrationFile[], problems: DiscoveryProblem[]): Migration[] {
  const undo = new Map<string, MigrationFile>();
  const out: Migration[] = [];
  for (const f of files) {
    const m = FLYWAY.exec(f.name);
    if (m && m[1] === 'U') undo.set(normalizeVersion(m[2] as string), f);
  }
  for (const f of files) {
    const m = FLYWAY.exec(f.name);
    if (m) {
      if (m[1] === 'V') out.push(make(m[2] as string, (m[3] as string).replace(/_/g, ' '), 'flyway', f.path, f.text));
      continue;
    }
    const r = FLYWAY_REPEATABLE.exec(f.name);
    if (r) {
      const name = (r[1] as string).replace(/_/g, ' ');
      out.push({ ...make(`R__${r[1] as string}`, name, 'flyway', f.path, f.text), version: `R__${r[1] as string}`, repeatable: true });
      continue;
    }
    ignored(f, 'flyway', problems, 'V<version>__name.sql, U<version>__name.sql or R__name.sql');
  }
  for (const m of out) {
    const u = undo.get(m.version);
    if (u && !m.repeatable) {
      m.downPath = u.path;
      m.downSql = u.text;
      undo.delete(m.version);
    }
  }
  for (const u of undo.values()) problems.push({ severity: 'warning', file: u.path, message: `${u.name} undoes a version that has no V file` });
  return out;
}

/** dbmate: `-- migrate:up [transaction:false]` … `-- migrate:down` in one file. */
export function splitDbmateSections(text: string): { up?: string; down?: string; noTransaction: boolean } {
  const markers = dbmateMarkers(text);
  const out: { up?: string; down?: string; noTransaction: boolean } = { noTransaction: false };
  markers.forEach((mk, i) => {
    const body = text.slice(mk.end, markers[i + 1]?.start ?? text.length).replace(/^\r?\n/, '');
    if (mk.kind === 'up') {
      out.up = body;
      out.noTransaction = /\btransaction\s*:\s*false\b/i.test(mk.options);
    } else out.down = body;
  });
  return out;
}

function parseDbmate(files: readonly MigrationFile[], problems: DiscoveryProblem[]): Migration[] {
  const out: Migration[] = [];
  for (const f of files) {
    const m = NUMBERED.exec(f.name);
    if (!m) {
      ignored(f, 'dbmate', problems, '<version>_name.sql with -- migrate:up');
      continue;
    }
    const s = splitDbmateSections(f.text);
    if (s.up === undefined) {
      problems.push({ severity: 'error', file: f.path, message: `${f.name} has no "-- migrate:up" section` });
      continue;
    }
    out.push(make(m[1] as string, m[2] ?? '', 'dbmate', f.path, s.up, { ...(s.down !== undefined && s.down.trim() !== '' ? { downSql: s.down, downPath: f.path } : {}), ...(s.noTransaction ? { noTransaction: true } : {}) }));
  }
  return out;
}

function parsePlain(files: readonly MigrationFile[], problems: DiscoveryProblem[]): Migration[] {
  const out: Migration[] = [];
  for (const f of files) {
    const m = NUMBERED.exec(f.name);
    if (!m) {
      ignored(f, 'plain', problems, 'NNN_name.sql');
      continue;
    }
    out.push(make(m[1] as string, m[2] ?? '', 'plain', f.path, f.text));
  }
  return out;
}

function checkDuplicates(sorted: readonly Migration[], problems: DiscoveryProblem[]): void {
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1] as Migration;
    const b = sorted[i] as Migration;
    if (compareVersions(a.version, b.version) === 0) {
      problems.push({ severity: 'error', file: b.upPath, message: `duplicate version ${b.version}: ${a.upPath} and ${b.upPath}` });
    }
  }
}

/** Gaps only mean something for small sequential numbers (1, 2, 3 …), not for timestamps. */
function checkGaps(sorted: readonly Migration[], problems: DiscoveryProblem[]): void {
  if (sorted.length < 2 || !sorted.every((m) => /^\d{1,6}$/.test(m.version))) return;
  for (let i = 1; i < sorted.length; i++) {
    const a = Number((sorted[i - 1] as Migration).version);
    const b = Number((sorted[i] as Migration).version);
    if (b - a > 1) {
      problems.push({
        severity: 'warning',
        file: (sorted[i] as Migration).upPath,
        message: b - a === 2 ? `gap: version ${a + 1} is missing (between ${a} and ${b})` : `gap: versions ${a + 1}..${b - 1} are missing (between ${a} and ${b})`,
      });
    }
  }
}
