// pgopt: the command-line face of the same core. Exit codes: 0 success, 1 findings at error severity,
// 2 usage / configuration / connection error. Errors go to stderr, results to stdout (or --out).
// Each command is its own bundle (dist/cli-<command>.js), required on demand: `pgopt lint` never parses
// the driver, `pgopt analyze` never parses the linter.
import { join } from 'node:path';
import { TOOL_VERSION } from '../core/version';
import { CliError, EXIT_USAGE } from './cliErrors';

type Command = (argv: string[]) => Promise<number>;

function loadCommand(bundle: 'lint' | 'analyze' | 'advise' | 'migrate' | 'snapshot'): Command {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(join(__dirname, `cli-${bundle}.js`)) as { runLint?: Command; runAnalyze?: Command; runAdvise?: Command; runMigrate?: Command; runSnapshot?: Command };
  const run = bundle === 'lint' ? mod.runLint : bundle === 'advise' ? mod.runAdvise : bundle === 'migrate' ? mod.runMigrate : bundle === 'snapshot' ? mod.runSnapshot : mod.runAnalyze;
  if (!run) throw new Error(`dist/cli-${bundle}.js does not export its command`);
  return run;
}

const USAGE = `pgopt — Postgres Optimizer command line

Usage:
  pgopt lint [files|dirs|globs...] [--format text|json|sarif] [--pg-version N] [--assume-in-transaction] [--max-warnings N] [--url URL] [--config FILE]
  pgopt analyze [--url URL] [--format text|json|html|markdown] [--store FILE] [--out FILE] [--sections a,b] [--config FILE]
  pgopt advise [--url URL] [--format text|json] [--max-indexes N] [--max-size-mb M] [--queries FILE] [--out FILE]
  pgopt migrate status|up|down|trace [--url URL] [--dir DIR] [--to VERSION] [--yes] [--format text|json] [--audit FILE] [--config FILE]
  pgopt snapshot [--url URL] [--store FILE] [--format text|json] [--out FILE]
  pgopt analyze|snapshot|advise --fleet FILE [--concurrency N] [--target-timeout S] ...   every database of FILE, ranked
  pgopt --help | --version

Connection: --url, else DATABASE_URL, else libpq conventions (PG* variables, ~/.pgpass, pg_service.conf).
Config: --config FILE, default ./pgopt.json when present.
Exit codes: 0 ok, 1 error-severity findings, 2 usage/config/connection error.`;

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
    default:
      throw new CliError(`unknown command "${command}". Run pgopt --help.`, EXIT_USAGE);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // CliError comes from another bundle (a different class object): match by name.
    if (err instanceof Error && err.name === 'CliError') {
      process.stderr.write(`pgopt: ${err.message}\n`);
      process.exitCode = (err as CliError).exitCode;
    } else {
      process.stderr.write(`pgopt: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = EXIT_USAGE;
    }
  },
);
