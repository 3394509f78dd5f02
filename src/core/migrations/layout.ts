// Where a project keeps its migrations and how it names them: ONE resolver for the editor (Migrations view,
// Create Migration) and the CLI (`pgopt advise --emit-migration`). The folder is pgopt.json `migrate.dir`
// (or an explicit --dir), else the first conventional folder that exists; the format is the configured one
// or detected by discovery.ts; the next file names follow the files already there (same zero padding,
// timestamps where the project uses timestamps).
import { statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseMigrateSettings } from '../config';
import { discoverMigrations } from './discovery';
import type { Discovery, MigrationFormat } from './types';

/** Folders tried, in order, when neither --dir nor pgopt.json says where the migrations are. */
export const CONVENTIONAL_MIGRATION_DIRS = ['db/migrations', 'migrations', 'db/migrate', 'migrate', 'database/migrations', 'sql/migrations', 'supabase/migrations', 'db'];

/** Readable part of a migration file name: at most this many characters, cut at a word. */
export const MAX_NAME_CHARS = 60;

export interface LayoutRequest {
  /** The workspace folder or the CLI's working directory. */
  root: string;
  /** An explicit folder (CLI --dir), relative to root; wins over everything. */
  dir?: string;
  /** pgopt.json migrate.dir when it is set (not the default). */
  configuredDir?: string;
  /** pgopt.json migrate.format ('auto' = detect). */
  format?: MigrationFormat | 'auto';
}

export interface MigrationLayout {
  /** Absolute folder. */
  dir: string;
  /** Where the folder came from. */
  origin: 'option' | 'config' | 'conventional';
  exists: boolean;
  format: MigrationFormat;
  /** True when the format was detected from the files. */
  detected: boolean;
  discovery: Discovery;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The migrations folder: --dir, else pgopt.json migrate.dir, else the first conventional one that exists. */
export function findMigrationsDir(req: Pick<LayoutRequest, 'root' | 'dir' | 'configuredDir'>): { dir: string; origin: MigrationLayout['origin'] } | undefined {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(req.root, p));
  if (req.dir !== undefined) return { dir: abs(req.dir), origin: 'option' };
  if (req.configuredDir !== undefined) return { dir: abs(req.configuredDir), origin: 'config' };
  for (const rel of CONVENTIONAL_MIGRATION_DIRS) if (isDir(join(req.root, rel))) return { dir: join(req.root, rel), origin: 'conventional' };
  return undefined;
}

/** The folder and format; undefined when no folder is given, configured or conventional. */
export function resolveMigrationLayout(req: LayoutRequest): MigrationLayout | undefined {
  const found = findMigrationsDir(req);
  if (!found) return undefined;
  const exists = isDir(found.dir);
  const discovery = exists ? discoverMigrations(found.dir, { format: req.format ?? 'auto' }) : { dir: found.dir, format: req.format && req.format !== 'auto' ? req.format : 'plain', detected: false, migrations: [], problems: [] };
  return { dir: found.dir, origin: found.origin, exists, format: discovery.format, detected: discovery.detected, discovery };
}

/** A readable file-name part: lower-case words joined by `_`, at most MAX_NAME_CHARS, cut at a word. */
export function migrationSlug(title: string, max = MAX_NAME_CHARS): string {
  const words = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  let out = '';
  for (const w of words) {
    const next = out ? `${out}_${w}` : w;
    if (next.length > max) break;
    out = next;
  }
  // A first word longer than the limit: cut it (nothing readable to keep whole).
  if (!out && words[0]) out = words[0].slice(0, max);
  return out || 'migration';
}

/** UTC YYYYMMDDHHMMSS. */
export function timestampVersion(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/** digits + 1, keeping the width (zero padding) when it fits. */
function increment(digits: string): string {
  const n = (BigInt(digits) + 1n).toString();
  return n.padStart(digits.length, '0');
}

function isTimestamp(v: string): boolean {
  return /^\d{12,}$/.test(v);
}

/** The version for a timestamped scheme: now, or one more than the newest when the clock is behind it. */
function nextTimestamp(existing: readonly string[], now: Date): string {
  const ts = timestampVersion(now);
  const newest = existing.filter(isTimestamp).reduce((a, b) => (BigInt(b) > BigInt(a) ? b : a), '0');
  return BigInt(ts) > BigInt(newest) ? ts : increment(newest);
}

/** The next sequential version after the existing ones, in their width (`007` → `008`); `width` digits when there are none. */
function nextSequence(existing: readonly string[], width: number): string {
  const nums = existing.filter((v) => /^\d+$/.test(v));
  if (!nums.length) return '1'.padStart(width, '0');
  const newest = nums.reduce((a, b) => (BigInt(b) > BigInt(a) ? b : a));
  const widest = Math.max(...nums.map((v) => v.length));
  // Zero-padded projects keep their width; unpadded ones (1, 2, … 10) stay unpadded.
  const padded = nums.some((v) => v.length > 1 && v.startsWith('0'));
  const next = (BigInt(newest) + 1n).toString();
  return padded ? next.padStart(widest, '0') : next;
}

/** Flyway: the next version after the newest V file: its last numeric part + 1 (1.2 → 1.3, 007 → 008, timestamps → now). */
function nextFlyway(existing: readonly string[], now: Date): string {
  if (!existing.length) return '1';
  if (existing.every(isTimestamp)) return nextTimestamp(existing, now);
  const newest = [...existing].sort((a, b) => compareLoose(a, b)).at(-1) as string;
  const m = /^(.*?)(\d+)$/.exec(newest);
  return m ? `${m[1] as string}${increment(m[2] as string)}` : `${newest}.1`;
}

function compareLoose(a: string, b: string): number {
  const pa = a.split(/[._]/);
  const pb = b.split(/[._]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = BigInt(/^\d+$/.test(pa[i] ?? '') ? (pa[i] as string) : '-1');
    const y = BigInt(/^\d+$/.test(pb[i] ?? '') ? (pb[i] as string) : '-1');
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export interface MigrationFileNames {
  version: string;
  /** The file holding the up part (and the down part for dbmate). */
  up: string;
  /** A separate down file (golang-migrate; Flyway U file when the project already has undo files). */
  down?: string;
}

/** Raw versions as written in the file names of the discovered (versioned) migrations. */
function writtenVersions(d: Discovery): string[] {
  const out: string[] = [];
  for (const m of d.migrations) {
    if (m.repeatable) continue;
    const base = m.upPath.split(/[\\/]/).pop() ?? '';
    const v = /^[VU]?(\d+(?:[._]\d+)*)/.exec(base);
    out.push(v ? (v[1] as string) : m.version);
  }
  return out;
}

/** The names of the next migration in the layout's convention. */
export function nextMigrationFileNames(layout: Pick<MigrationLayout, 'format' | 'discovery'>, title: string, now: Date): MigrationFileNames {
  const slug = migrationSlug(title);
  const versions = writtenVersions(layout.discovery);
  switch (layout.format) {
    case 'golang-migrate': {
      const version = versions.length && versions.every(isTimestamp) ? nextTimestamp(versions, now) : nextSequence(versions, 6);
      return { version, up: `${version}_${slug}.up.sql`, down: `${version}_${slug}.down.sql` };
    }
    case 'dbmate': {
      const version = nextTimestamp(versions, now);
      return { version, up: `${version}_${slug}.sql` };
    }
    case 'flyway': {
      const version = nextFlyway(versions, now);
      const hasUndo = layout.discovery.migrations.some((m) => m.downPath !== undefined);
      return { version, up: `V${version}__${slug}.sql`, ...(hasUndo ? { down: `U${version}__${slug}.sql` } : {}) };
    }
    default: {
      const version = versions.length && versions.every(isTimestamp) ? nextTimestamp(versions, now) : nextSequence(versions, 3);
      return { version, up: `${version}_${slug}.sql` };
    }
  }
}

/**
 * The layout request for a folder from pgopt.json's raw `migrate` section (a --dir option wins). Problems
 * of the section are returned as sentences, not thrown.
 */
export function layoutRequestFromConfig(root: string, rawMigrate: unknown, dir?: string): { request: LayoutRequest; problems: string[] } {
  const { settings, problems } = parseMigrateSettings(rawMigrate, 'pgopt.json migrate');
  const configured = typeof (rawMigrate as { dir?: unknown } | undefined)?.dir === 'string';
  return {
    request: { root, ...(dir !== undefined ? { dir } : {}), ...(configured ? { configuredDir: settings.dir } : {}), format: settings.format },
    problems: problems.map((p) => `${p.path}: ${p.message}`),
  };
}
