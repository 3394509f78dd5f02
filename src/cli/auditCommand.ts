// pgopt audit: print the audit log of writes (JSONL written by migrate up/down and advise --scratch-whatif,
// the same format as the editor's). Read-only; exit 2 when the file is missing or --since is not a time.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseSince, readAuditFile, renderAuditText } from '../core/audit';
import { CliError, EXIT_OK } from './cliErrors';
import { parseCommandArgs, parseFormat, writeOutput } from './cliSupport';

const HELP = `pgopt audit — the audit log of every write (who, when, which connection, what SQL, outcome, duration)

  --file FILE          the audit log (default .pgopt/audit.jsonl, where migrate up/down and advise's scratch what-if write)
  --since TIME         only records at or after TIME: an ISO date/time (2026-12-01, 2026-12-01T10:00Z)
                       or a duration back from now (30m, 12h, 7d, 2w)
  --format F           text (default) or json (an array of the records)
  --out FILE           write to FILE instead of stdout`;

export async function runAudit(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    {
      args: argv,
      options: {
        file: { type: 'string' },
        since: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
      strict: true,
    },
    HELP,
  );
  if (!parsed) return EXIT_OK;
  const { values } = parsed;
  const format = parseFormat(values.format, ['text', 'json'] as const, 'text');
  let since: Date | undefined;
  if (values.since !== undefined) {
    since = parseSince(values.since);
    if (!since) throw new CliError(`--since "${values.since}" is neither an ISO date/time (2026-12-01T10:00Z) nor a duration such as 12h or 7d`);
  }
  const file = resolve(values.file ?? '.pgopt/audit.jsonl');
  if (!existsSync(file)) throw new CliError(`no audit log at ${file}: nothing has been written through pgopt here yet (or pass --file)`);
  const { records, problems } = readAuditFile(file, since);
  for (const p of problems) process.stderr.write(`pgopt: ${file}:${p.line}: skipped a line that is not an audit record (${p.message})\n`);
  writeOutput(format === 'json' ? `${JSON.stringify(records, null, 2)}\n` : renderAuditText(records), values.out);
  return EXIT_OK;
}
