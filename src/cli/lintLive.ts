// `pgopt lint --url`: the live part, its own bundle (dist/cli-lint-live.js) so that a plain `pgopt lint`
// never parses the driver. Opens one read-only session, prepares each file's LiveContext in this thread
// (one catalog query per file for the relations not seen in earlier files, bounded dirty-data counts),
// and hands plain data back; the lint itself (main thread or workers) stays synchronous.
import { readFileSync, statSync } from 'node:fs';
import type { AnalysisSettings } from '../core/config';
import { ConnectError } from '../core/db/connect';
import { DbSession } from '../core/db/session';
import { EarlierMigrations } from '../core/lint/earlierMigrations';
import { LiveCache, prepareLiveContext } from '../core/lint/live';
import { lintText, loadParser } from '../core/lint/linter';
import type { LintOptions, LiveContext } from '../core/lint/types';
import { cliConnectMessage, resolveCliConnection } from './cliConnection';
import { CliError, EXIT_USAGE } from './cliErrors';
import { MAX_FILE_BYTES } from './lintFileOutcome';
import { sqlFileText } from '../core/sql/sqlFileText';

export interface LiveRun {
  contexts: (LiveContext | undefined)[];
  /** Problems worth a line on stderr (a file whose catalog query failed). */
  notes: string[];
}

function readSql(file: string): string | undefined {
  try {
    if (statSync(file).size > MAX_FILE_BYTES) return undefined;
    const buf = readFileSync(file);
    return buf.includes(0) ? undefined : sqlFileText(buf);
  } catch {
    return undefined;
  }
}

export async function prepareLiveContexts(
  files: readonly string[],
  options: Partial<LintOptions>,
  url: string | undefined,
  connect: { connectTimeoutMs: number; analysis?: AnalysisSettings; required: boolean },
): Promise<LiveRun | { unavailable: string }> {
  const spec = resolveCliConnection(url);
  let session: DbSession;
  try {
    session = await DbSession.open(spec, { connectTimeoutMs: connect.connectTimeoutMs, ...(connect.analysis ? { analysis: connect.analysis } : {}) });
  } catch (e) {
    const msg = e instanceof ConnectError ? cliConnectMessage(e) : (e as Error).message;
    if (connect.required) throw new CliError(msg, EXIT_USAGE);
    return { unavailable: msg };
  }
  try {
    await loadParser();
    const cache = new LiveCache(Number.POSITIVE_INFINITY);
    const contexts: (LiveContext | undefined)[] = [];
    const notes: string[] = [];
    const earlier = new EarlierMigrations();
    for (const file of files) {
      const text = readSql(file);
      if (text === undefined) {
        contexts.push(undefined);
        continue;
      }
      const { statements } = lintText(text, { ...options, rules: { ...options.rules } });
      try {
        const ctx = await prepareLiveContext(statements, session, { cache });
        const pending = earlier.pendingFor(ctx);
        contexts.push(pending.length ? { ...ctx, createdByEarlierFiles: pending } : ctx);
      } catch (e) {
        notes.push(`${file}: live rules not run: ${(e as Error).message}`);
        contexts.push(undefined);
      }
      earlier.add(statements);
    }
    return { contexts, notes };
  } finally {
    await session.close();
  }
}
