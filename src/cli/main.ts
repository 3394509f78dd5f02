// pgopt: the command-line face of the same core. Exit codes: 0 success, 1 findings at error severity,
// 2 usage / configuration / connection error. Errors go to stderr, results to stdout (or --out).
// Each command is its own bundle (dist/cli-<command>.js), required on demand: `pgopt lint` never parses
// the driver, `pgopt analyze` never parses the linter.
import { join } from 'node:path';
import { TOOL_VERSION } from '../core/version';
import { connectionLostSentence, isConnectionLost } from '../core/db/errorSentences';
import { CliError, EXIT_USAGE } from './cliErrors';
import { requireBundle, writeCodeCachesOnExitIfAsked } from './codeCache';
import { restoreLoadTimeFlags, tuneV8ForOneShotLint } from './v8Tuning';

type Command = (argv: string[]) => Promise<number>;

function loadCommand(bundle: 'lint' | 'analyze' | 'advise' | 'migrate' | 'snapshot' | 'mcp' | 'audit'): Command {
  // `pgopt lint` is one-shot: V8 is tuned for it (v8Tuning.ts) before its bundle is compiled, which is also
  // what its code cache was made with (codeCache.ts). The other commands load as plain requires.
  if (bundle === 'lint') {
    tuneV8ForOneShotLint();
    writeCodeCachesOnExitIfAsked(restoreLoadTimeFlags);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = (bundle === 'lint' ? requireBundle(join(__dirname, 'cli-lint.js')) : require(join(__dirname, `cli-${bundle}.js`))) as { runLint?: Command; runAnalyze?: Command; runAdvise?: Command; runMigrate?: Command; runSnapshot?: Command; runMcp?: Command; runAudit?: Command };
  const run = bundle === 'lint' ? mod.runLint : bundle === 'advise' ? mod.runAdvise : bundle === 'migrate' ? mod.runMigrate : bundle === 'snapshot' ? mod.runSnapshot : bundle === 'mcp' ? mod.runMcp : bundle === 'audit' ? mod.runAudit : mod.runAnalyze;
  if (!run) throw new Error(`dist/cli-${bundle}.js does not export its command`);
  return run;
}

const USAGE = `pgopt — Postgres Optimizer command line

Usage:
  pgopt lint [files|dirs|globs...] [--format text|json|sarif|github|gitlab] [--changed-since REF] [--pg-version N]
             [--assume-in-transaction] [--max-warnings N] [--url URL] [--connect-timeout S] [--config FILE] [--out FILE]
             [--cache | --no-cache] [--cache-location FILE]
  pgopt analyze [--url URL] [--format text|json|html|markdown] [--out FILE]
             [--sections health,maintenance,indexes,queries,connections,pooler,caching,constraints,integrity,trends,query-deltas]
             [--pooler-url URL]
             [--store FILE|postgres://… [--name NAME] [--since HOURS | --baseline TIME]] [--connect-timeout S] [--config FILE] [--quiet]
             [--write-rules]   add the integrity rules it inferred to pgopt.json
             [--fleet FILE [--concurrency N] [--target-timeout S]]
  pgopt analyze --table SCHEMA.NAME [--url URL] [--format text|json|html|markdown] [--out FILE] [--store FILE [--name NAME]]
             one page about one table (size, scans, vacuum, bloat, indexes, its statements and index advice)
  pgopt advise [--url URL] [--format text|json] [--max-indexes N] [--max-size-mb M] [--top N]
             [--queries FILE | --log FILE [--log-format auto|stderr|csvlog|jsonlog] | --sample-activity S]
             [--min-cost C] [--min-savings-pct P] [--negligible-pct P] [--include T,…] [--exclude T,…] [--scratch-whatif] [--progress]
             [--whatif-connections N] [--confirm-database NAME] [--audit FILE] [--out FILE] [--connect-timeout S] [--config FILE]
             [--emit-migration [--dir DIR]]   the recommended indexes as one new migration (prints its path)
             [--fleet FILE [--concurrency N] [--target-timeout S]]
  pgopt migrate status|up|down [--url URL] [--dir DIR] [--to VERSION] [--only VERSION] [--steps N] [--yes]
             [--allow-lint-errors] [--format text|json] [--audit FILE] [--strict] [--allow-drift] [--allow-out-of-order]
             [--confirm-database NAME] [--connect-timeout S] [--config FILE]
  pgopt migrate trace [--url URL] [--dir DIR] [--from VERSION] [--scratch-url URL | --on-target --yes [--confirm-database NAME] [--audit FILE]]
             [--lock-timeout MS] [--statement-timeout MS] [--pg-dump PATH] [--format text|json|report] [--out FILE]
             [--config FILE]
  pgopt snapshot [--url URL] [--store FILE|postgres://…] [--name NAME] [--metric NAME=VALUE[:UNIT] ...] [--format text|json]
             [--out FILE] [--connect-timeout S] [--config FILE]
  pgopt snapshot --store postgres://… --import FILE   copy a local store into the shared one (idempotent)
             [--fleet FILE [--concurrency N] [--target-timeout S]]
  pgopt audit [--since TIME] [--format text|json] [--file FILE] [--out FILE]   the audit log of writes
  pgopt mcp [--url URL] [--connect-timeout S] [--config FILE]      MCP server (stdio) for AI agents
  pgopt analyze|snapshot|advise --fleet FILE [--concurrency N] [--target-timeout S] ...   every database of FILE, ranked
  pgopt --help | --version        pgopt COMMAND --help explains each option

Connection: --url, else DATABASE_URL, else libpq conventions (PG* variables, ~/.pgpass, pg_service.conf).
Config: --config FILE, default ./pgopt.json when present.
Access policy: pgopt.json "policy" (readOnly, allow, production) refuses writes with exit 2 (docs/policy.md).
Exit codes: 0 ok, 1 error-severity findings, 2 usage/config/connection error or a write refused by the policy.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : EXIT_USAGE;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${TOOL_VERSION}\n`);
    return 0;
  }
  switch (command) {
    case 'analyze':
      return loadCommand('analyze')(rest);
    case 'lint':
      return loadCommand('lint')(rest);
    case 'advise':
      return loadCommand('advise')(rest);
    case 'migrate':
      return loadCommand('migrate')(rest);
    case 'snapshot':
      return loadCommand('snapshot')(rest);
    case 'mcp':
      return loadCommand('mcp')(rest);
    case 'audit':
      return loadCommand('audit')(rest);
    default:
      throw new CliError(`unknown command "${command}". Run pgopt --help.`, EXIT_USAGE);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${topLevelMessage(err, process.env.PGOPT_DEBUG === '1')}\n`);
    process.exitCode = err instanceof Error && err.name === 'CliError' ? (err as CliError).exitCode : EXIT_USAGE;
  },
);

/**
 * What the user sees when a command throws: a CliError's sentence; anything else as one line naming the failure
 * (its first line: the driver's and Node's messages are sentences, their stacks are for us), and the stack only
 * with PGOPT_DEBUG=1.
 */
function topLevelMessage(err: unknown, debug: boolean): string {
  // CliError comes from another bundle (a different class object): match by name.
  if (err instanceof Error && err.name === 'CliError') return `pgopt: ${err.message}${debug && err.stack ? `\n${err.stack}` : ''}`;
  const e = err as (Error & { code?: unknown }) | undefined;
  if (isConnectionLost(err)) {
    const text = `pgopt: ${connectionLostSentence(err, 'the server')}. Check that it is up and run the command again.`;
    return debug ? `${text}\n${e?.stack ?? ''}` : text;
  }
  const first = String(e?.message ?? err).split('\n')[0]?.trim() || String(err);
  const code = typeof e?.code === 'string' && !first.includes(e.code) ? ` (${e.code})` : '';
  const text = `pgopt: unexpected error: ${first}${code}.`.replace(/\.\.$/, '.');
  return debug ? `${text}\n${e?.stack ?? ''}` : `${text} Run again with PGOPT_DEBUG=1 to see where it happened, and report it if it is a bug.`;
}
