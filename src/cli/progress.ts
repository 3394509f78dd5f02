// Progress lines on stderr for long CLI work ("[3.2 s] Running Indexes… (4/9)"): only when stderr is a
// terminal and --quiet was not given, so pipes, CI logs and --format json stay clean.
export function stderrProgress(quiet: boolean | undefined): ((message: string) => void) | undefined {
  if (quiet || !process.stderr.isTTY) return undefined;
  const started = Date.now();
  return (message: string) => {
    process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${message}\n`);
  };
}
