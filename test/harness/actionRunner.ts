// Runs a composite GitHub Action's steps (action.yml) the way the Actions runner does, as far as this repo's
// action needs: `${{ inputs.* }}`, `${{ github.action_path }}`, `${{ steps.<id>.outputs.* }}` expressions,
// `if:` conditions made of `==`, `!=`, `&&`, `!cancelled()` / `always()`, shell steps run with
// `bash --noprofile --norc -eo pipefail`, GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STEP_SUMMARY files. `uses:` steps
// (other actions) are not run: they are returned with their evaluated `with:` for the test to check.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import yaml from 'js-yaml';

interface ActionStep {
  id?: string;
  if?: string;
  run?: string;
  uses?: string;
  shell?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
  'working-directory'?: string;
}
interface ActionFile {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

export interface StepRun {
  id?: string;
  ran: boolean;
  exitCode?: number;
  stdout: string;
  stderr: string;
  uses?: string;
  with?: Record<string, string>;
}

export interface ActionRun {
  steps: StepRun[];
  failed: boolean;
  outputs: Record<string, string>;
  summary: string;
}

export function runCompositeAction(actionDir: string, opts: { inputs: Record<string, string>; workspace: string; env: Record<string, string> }): ActionRun {
  const action = yaml.load(readFileSync(join(actionDir, 'action.yml'), 'utf8')) as ActionFile;
  if (action.runs.using !== 'composite') throw new Error('not a composite action');
  for (const k of Object.keys(opts.inputs)) if (!(k in action.inputs)) throw new Error(`action.yml has no input ${k}`);
  const inputs = Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, opts.inputs[k] ?? v.default ?? '']));
  const stepOutputs: Record<string, Record<string, string>> = {};
  const runnerTemp = mkdtempSync(join(tmpdir(), 'runner-temp-'));
  const summaryFile = join(runnerTemp, 'step-summary.md');
  writeFileSync(summaryFile, '');
  const addedEnv: Record<string, string> = {};

  const value = (ref: string): string => {
    const r = ref.trim();
    let m: RegExpExecArray | null;
    if ((m = /^inputs\.([\w-]+)$/.exec(r))) return inputs[m[1] as string] ?? '';
    if (r === 'github.action_path') return actionDir;
    if (r === 'runner.temp') return runnerTemp;
    if ((m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(r))) return stepOutputs[m[1] as string]?.[m[2] as string] ?? '';
    if ((m = /^'(.*)'$/.exec(r))) return m[1] as string;
    throw new Error(`expression not supported by the test runner: ${r}`);
  };
  const interpolate = (s: string): string => s.replace(/\$\{\{(.*?)\}\}/g, (_, e: string) => value(e));
  let failed = false;
  const condition = (cond: string | undefined): boolean => {
    if (cond === undefined) return !failed;
    const expr = cond.trim().replace(/^\$\{\{(.*)\}\}$/, '$1');
    let statusChecked = false;
    const ok = expr.split('&&').every((term) => {
      const t = term.trim();
      if (t === '!cancelled()' || t === 'always()') {
        statusChecked = true;
        return true;
      }
      const m = /^(.+?)\s*(==|!=)\s*(.+)$/.exec(t);
      if (m) return (value(m[1] as string) === value(m[3] as string)) === (m[2] === '==');
      throw new Error(`condition not supported by the test runner: ${t}`);
    });
    return ok && (statusChecked || !failed);
  };
  const parseKv = (file: string): Record<string, string> =>
    Object.fromEntries(readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

  const runs: StepRun[] = [];
  action.runs.steps.forEach((step, i) => {
    if (!condition(step.if)) {
      runs.push({ id: step.id, ran: false, stdout: '', stderr: '', uses: step.uses });
      return;
    }
    if (step.uses) {
      runs.push({ id: step.id, ran: true, stdout: '', stderr: '', uses: step.uses, with: Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, interpolate(String(v))])) });
      return;
    }
    if (step.shell !== 'bash') throw new Error(`step ${i}: only shell: bash is supported`);
    const outputFile = join(runnerTemp, `output-${i}`);
    const envFile = join(runnerTemp, `env-${i}`);
    writeFileSync(outputFile, '');
    writeFileSync(envFile, '');
    const script = join(runnerTemp, `step-${i}.sh`);
    writeFileSync(script, interpolate(step.run ?? ''));
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, interpolate(String(v))]));
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
      cwd: resolve(opts.workspace, interpolate(step['working-directory'] ?? '.')),
      encoding: 'utf8',
      timeout: 300_000,
      env: { ...opts.env, ...addedEnv, ...stepEnv, GITHUB_OUTPUT: outputFile, GITHUB_ENV: envFile, GITHUB_STEP_SUMMARY: summaryFile, RUNNER_TEMP: runnerTemp, GITHUB_WORKSPACE: opts.workspace, GITHUB_ACTION_PATH: actionDir },
    });
    if (step.id) stepOutputs[step.id] = parseKv(outputFile);
    Object.assign(addedEnv, parseKv(envFile));
    runs.push({ id: step.id, ran: true, exitCode: r.status ?? -1, stdout: r.stdout, stderr: r.stderr });
    if (r.status !== 0) failed = true;
  });
  const outputs = Object.fromEntries(Object.entries(action.outputs).map(([k, v]) => [k, interpolate(v.value)]));
  return { steps: runs, failed, outputs, summary: readFileSync(summaryFile, 'utf8') };
}
