// `pgopt lint --url`: the live part, its own bundle (dist/cli-lint-live.js) so that a plain `pgopt lint`
// never parses the driver. Opens one read-only session and runs the project's lintFiles use case with it
// (core/project/lintFiles.ts): each file read once and parsed once, its live context prepared from those
// statements (one catalog query per file for the relations not seen in earlier files, bounded dirty-data
// counts), then the rules run once with it.
import type { AnalysisSettings } from '../core/config';
import { ConnectError } from '../core/db/connect';
import { DbSession } from '../core/db/session';
import { loadParser } from '../core/lint/linter';
import { lintInputRead, tuneV8ForOneShotLint } from './v8Tuning';
import type { LintFinding, LintOptions } from '../core/lint/types';
import { lintFiles } from '../core/project/lintFiles';
import { cliConnectMessage, resolveCliConnection } from './cliConnection';
import { CliError, EXIT_USAGE } from './cliErrors';
import { readLintSource } from './lintFileOutcome';

export interface LiveRun {
  /** Per file, in the input order. */
  findings: LintFinding[][];
  /** Problems worth a line on stderr (a file whose catalog query failed). */
  notes: string[];
}

export async function lintFilesLive(
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
    tuneV8ForOneShotLint();
    await loadParser();
    const read = (file: string): ReturnType<typeof readLintSource> => {
      const source = readLintSource(file);
      if ('text' in source) lintInputRead(source.text);
      return source;
    };
    const r = await lintFiles(files, read, options, { live: { session } });
    return { findings: r.files.map((f) => f.findings), notes: r.notes };
  } finally {
    await session.close();
  }
}
