// Exit codes and the error type every pgopt command throws for a clean, non-crash exit. Dependency-free:
// the dispatcher (dist/cli.js) loads only this.
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_USAGE,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
