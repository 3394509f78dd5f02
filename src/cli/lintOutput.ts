// pgopt lint output formats: text (file:line:col: severity rule message), JSON (1-based positions),
// SARIF 2.1.0 (for code-scanning UIs), GitHub Actions workflow commands (annotations) and GitLab Code Quality
// JSON. Internal positions are 0-based UTF-16; everything printed is 1-based.
import type { Log, ReportingDescriptor } from 'sarif';
import type { LintFinding, RuleMeta } from '../core/lint/types';
import { TOOL_VERSION } from '../core/version';

/**
 * A rule's metadata by id, for SARIF's rule descriptors and GitLab's categories. `pgopt lint` passes the
 * engine's (lintEngine.ts ruleMeta); this module does not import the rules, so that printing cached findings
 * never loads them. Without one, descriptors carry the id only.
 */
export type RuleLookup = (id: string) => RuleMeta | undefined;
const noRules: RuleLookup = () => undefined;

export interface FileFindings {
  file: string;
  findings: LintFinding[];
  /**
   * The file's findings already rendered by renderFileFragment for the format being printed (from the
   * --cache), as text or UTF-8 bytes; `findings` is then not read by renderLintChunks (and may be empty).
   * Only text, json and github.
   */
  fragment?: string | Uint8Array;
}

/** The formats whose output is the files' findings in order, each file's part renderable on its own. */
export function fragmentFormat(format: LintFormat): boolean {
  return format === 'text' || format === 'json' || format === 'github';
}

/**
 * One file's findings as renderLintChunks prints them in `format` (text, json or github), without what
 * separates them from other files' (renderLintChunks adds that); '' when there are none.
 */
export function renderFileFragment(format: LintFormat, file: string, findings: readonly LintFinding[]): string {
  if (findings.length === 0) return '';
  if (format === 'json') {
    const name = jsonString(file);
    let s = '';
    for (let i = 0; i < findings.length; i++) s += jsonFindingText(i === 0 ? '' : ',\n', file, name, findings[i] as LintFinding);
    return s;
  }
  if (format === 'github') {
    const fileProperty = githubFileProperty(file);
    return findings.map((f) => githubLine(file, f, fileProperty)).join('\n');
  }
  return findings.map((f) => textLine(file, f)).join('\n');
}

export interface JsonFinding {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  rule: string;
  severity: string;
  message: string;
  help?: string;
  fix?: { title: string; edits: { start: number; end: number; newText: string }[] };
}

function jsonFinding(file: string, f: LintFinding): JsonFinding {
  return {
    file,
    line: f.line + 1,
    column: f.column + 1,
    endLine: f.endLine + 1,
    endColumn: f.endColumn + 1,
    rule: f.ruleId,
    severity: f.severity,
    message: f.message,
    ...(f.help !== undefined ? { help: f.help } : {}),
    ...(f.fix ? { fix: f.fix } : {}),
  };
}

/** The characters JSON.stringify(s) may escape: '"', '\\', controls and surrogates (lone ones become \\uXXXX); without any, it is '"' + s + '"'. */
const JSON_ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify(s), without its call for the usual string that needs no escape. */
export function jsonString(s: string): string {
  return JSON_ESCAPED.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/** jsonString's answers for the strings that repeat from finding to finding: rule ids, severities, fix titles (a Map hit costs less than the regular expression's test). */
const repeated = new Map<string, string>();

/** jsonString for a string that is likely to come again. */
function jsonRepeated(s: string): string {
  let json = repeated.get(s);
  if (json === undefined) {
    json = jsonString(s);
    if (repeated.size >= 4096) repeated.clear();
    repeated.set(s, json);
  }
  return json;
}

/** A number as JSON.stringify prints it (NaN and ±Infinity are null). */
function jsonNumber(n: number): string {
  return Number.isFinite(n) ? `${n}` : 'null';
}

/** Whether `o` is a plain object whose own enumerable keys are exactly `keys`, in that order (what JSON.stringify would print). */
function hasKeys(o: object, keys: readonly string[]): boolean {
  // Another prototype could hold a toJSON method.
  if (Object.getPrototypeOf(o) !== Object.prototype) return false;
  let i = 0;
  for (const k in o) {
    if (!Object.prototype.hasOwnProperty.call(o, k)) return false;
    if (k !== keys[i]) return false;
    i++;
  }
  return i === keys.length;
}

const FIX_KEYS = ['title', 'edits'] as const;
const EDIT_KEYS = ['start', 'end', 'newText'] as const;

/** A fix as JSON.stringify(…, null, 2) prints it 4 spaces in (a finding's "fix" value); undefined for another shape. */
function jsonFixText(fix: NonNullable<LintFinding['fix']>): string | undefined {
  if (!hasKeys(fix, FIX_KEYS) || typeof fix.title !== 'string' || !Array.isArray(fix.edits)) return undefined;
  const edits = fix.edits;
  let s = `{\n      "title": ${jsonRepeated(fix.title)},\n      "edits": `;
  if (edits.length === 0) return `${s}[]\n    }`;
  for (let i = 0; i < edits.length; i++) {
    const e = edits[i];
    if (typeof e !== 'object' || e === null || !hasKeys(e, EDIT_KEYS) || typeof e.start !== 'number' || typeof e.end !== 'number' || typeof e.newText !== 'string') return undefined;
    s += `${i === 0 ? '[\n' : ',\n'}        {\n          "start": ${jsonNumber(e.start)},\n          "end": ${jsonNumber(e.end)},\n          "newText": ${jsonString(e.newText)}\n        }`;
  }
  return `${s}\n      ]\n    }`;
}

/**
 * One finding of the JSON output, preceded by `sep`: exactly the text JSON.stringify(toJson(…), null, 2) gives
 * it (2 spaces in), written out without building the JsonFinding object and stringifying it. `name` is
 * jsonString(file). A finding of another shape than LintFinding's types say goes through JSON.stringify.
 */
function jsonFindingText(sep: string, file: string, name: string, f: LintFinding): string {
  const help = f.help;
  const fix = f.fix ? jsonFixText(f.fix) : '';
  if (
    fix === undefined ||
    typeof f.ruleId !== 'string' ||
    typeof f.severity !== 'string' ||
    typeof f.message !== 'string' ||
    (help !== undefined && typeof help !== 'string') ||
    typeof f.line !== 'number' ||
    typeof f.column !== 'number' ||
    typeof f.endLine !== 'number' ||
    typeof f.endColumn !== 'number'
  ) {
    return `${sep}  ${JSON.stringify(jsonFinding(file, f), null, 2).replace(/\n/g, '\n  ')}`;
  }
  let s = `${sep}  {\n    "file": ${name},\n    "line": ${jsonNumber(f.line + 1)},\n    "column": ${jsonNumber(f.column + 1)},\n    "endLine": ${jsonNumber(f.endLine + 1)},\n    "endColumn": ${jsonNumber(f.endColumn + 1)},\n    "rule": ${jsonRepeated(f.ruleId)},\n    "severity": ${jsonRepeated(f.severity)},\n    "message": ${jsonString(f.message)}`;
  if (help !== undefined) s += `,\n    "help": ${jsonString(help)}`;
  if (fix) s += `,\n    "fix": ${fix}`;
  return `${s}\n  }`;
}

export function toJson(results: FileFindings[]): JsonFinding[] {
  return results.flatMap((r) => r.findings.map((f) => jsonFinding(r.file, f)));
}

function textLine(file: string, f: LintFinding): string {
  return `${file}:${f.line + 1}:${f.column + 1}: ${f.severity} ${f.ruleId} ${f.message}${f.help ? ` (${f.help})` : ''}`;
}

export function toText(results: FileFindings[]): string {
  return results.flatMap((r) => r.findings.map((f) => textLine(r.file, f))).join('\n');
}

const SARIF_LEVEL: Record<string, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };

/** Typed against @types/sarif (the SARIF 2.1.0 object model), so a structural mistake fails to compile. */
export function toSarif(results: FileFindings[], lookup: RuleLookup = noRules): Log {
  const used = new Set(results.flatMap((r) => r.findings.map((f) => f.ruleId)));
  const ruleIds = [...used].sort();
  const rules = ruleIds.map((id): ReportingDescriptor => {
    const meta = lookup(id);
    return {
      id,
      name: meta?.title ?? id,
      shortDescription: { text: meta?.title ?? id },
      fullDescription: { text: meta?.description ?? id },
      help: { text: meta ? `${meta.why}\n\nSafe pattern: ${meta.safe}` : id },
      defaultConfiguration: { level: SARIF_LEVEL[meta?.defaultSeverity ?? 'warning'] ?? 'warning' },
      properties: { category: meta?.category ?? 'engine' },
    };
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'pgopt', version: TOOL_VERSION, informationUri: 'https://www.postgresql.org/', rules } },
        columnKind: 'utf16CodeUnits',
        results: results.flatMap((r) =>
          r.findings.map((f) => ({
            ruleId: f.ruleId,
            ruleIndex: ruleIds.indexOf(f.ruleId),
            level: SARIF_LEVEL[f.severity] ?? 'warning',
            message: { text: f.help ? `${f.message} ${f.help}` : f.message },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: r.file.split('\\').join('/') },
                  region: { startLine: f.line + 1, startColumn: f.column + 1, endLine: f.endLine + 1, endColumn: f.endColumn + 1 },
                },
              },
            ],
          })),
        ),
      },
    ],
  };
}

const GITHUB_LEVEL: Record<string, 'error' | 'warning' | 'notice'> = { error: 'error', warning: 'warning', info: 'notice', hint: 'notice' };

/** The characters escapeGithubData and escapeGithubProperty replace. */
const GITHUB_DATA_SPECIAL = /[%\r\n]/;
const GITHUB_PROPERTY_SPECIAL = /[%\r\n:,]/;

/** A workflow command's message: %, CR and LF are escaped (the runner decodes them). */
export function escapeGithubData(s: string): string {
  if (!GITHUB_DATA_SPECIAL.test(s)) return s;
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A workflow command's property value: also ':' and ',' which would end the value. */
export function escapeGithubProperty(s: string): string {
  if (!GITHUB_PROPERTY_SPECIAL.test(s)) return s;
  return escapeGithubData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * GitHub Actions workflow commands: one `::error|warning|notice file=…,line=…,endLine=…,col=…,endColumn=…,title=…::message`
 * per finding, which the runner turns into annotations on the pull request's files.
 * See https://docs.github.com/actions/reference/workflow-commands-for-github-actions
 */
export function toGithub(results: FileFindings[]): string {
  return results.flatMap((r) => r.findings.map((f) => githubLine(r.file, f))).join('\n');
}

/** A file's path as githubLine's file= property: forward slashes, escaped. */
function githubFileProperty(file: string): string {
  return escapeGithubProperty(file.split('\\').join('/'));
}

/** `fileProperty` is githubFileProperty(file), worked out once per file. */
function githubLine(file: string, f: LintFinding, fileProperty = githubFileProperty(file)): string {
  let props = `file=${fileProperty},line=${escapeGithubProperty(String(f.line + 1))},endLine=${escapeGithubProperty(String(f.endLine + 1))}`;
  // GitHub ignores col/endColumn on multi-line annotations; give them only for a one-line span.
  // endColumn is inclusive: the 0-based exclusive end is the 1-based last column.
  if (f.line === f.endLine) props += `,col=${escapeGithubProperty(String(f.column + 1))},endColumn=${escapeGithubProperty(String(Math.max(f.endColumn, f.column + 1)))}`;
  props += `,title=${escapeGithubProperty(`pgopt ${f.ruleId}`)}`;
  const message = f.help ? `${f.message}\n${f.help}` : f.message;
  return `::${GITHUB_LEVEL[f.severity] ?? 'warning'} ${props}::${escapeGithubData(message)}`;
}

/** GitLab Code Quality (a subset of the Code Climate spec): what the merge request widget reads. */
export interface GitlabIssue {
  description: string;
  check_name: string;
  fingerprint: string;
  severity: 'info' | 'minor' | 'major' | 'critical' | 'blocker';
  type: 'issue';
  categories: string[];
  location: { path: string; lines: { begin: number; end: number } };
}

const GITLAB_CATEGORY: Record<string, string> = { locks: 'Performance', live: 'Performance', breaking: 'Compatibility', hygiene: 'Style', types: 'Bug Risk' };
const GITLAB_SEVERITY: Record<string, GitlabIssue['severity']> = { error: 'critical', warning: 'major', info: 'minor', hint: 'info' };

/**
 * GitLab Code Quality JSON. The fingerprint identifies an issue across pipelines: file, rule, message and
 * its occurrence number among equal ones — not the line, so a finding does not look new when lines above it move.
 */
export function toGitlab(results: FileFindings[], lookup: RuleLookup = noRules): GitlabIssue[] {
  // Required here: the other formats never load node:crypto (~3 ms).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const out: GitlabIssue[] = [];
  for (const r of results) {
    const path = r.file.split('\\').join('/');
    const seen = new Map<string, number>();
    for (const f of r.findings) {
      const key = `${path}\0${f.ruleId}\0${f.message}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      out.push({
        description: f.help ? `${f.message} ${f.help}` : f.message,
        check_name: f.ruleId,
        fingerprint: createHash('sha256').update(`${key}\0${n}`).digest('hex').slice(0, 32),
        severity: GITLAB_SEVERITY[f.severity] ?? 'major',
        type: 'issue',
        categories: [GITLAB_CATEGORY[lookup(f.ruleId)?.category ?? ''] ?? 'Bug Risk'],
        location: { path, lines: { begin: f.line + 1, end: f.endLine + 1 } },
      });
    }
  }
  return out;
}

export type LintFormat = 'text' | 'json' | 'sarif' | 'github' | 'gitlab';

export function renderLint(format: LintFormat, results: FileFindings[], lookup: RuleLookup = noRules): string {
  switch (format) {
    case 'json':
      return JSON.stringify(toJson(results), null, 2);
    case 'sarif':
      return JSON.stringify(toSarif(results, lookup), null, 2);
    case 'github':
      return toGithub(results);
    case 'gitlab':
      return JSON.stringify(toGitlab(results, lookup), null, 2);
    default:
      return toText(results);
  }
}

/**
 * The same text as renderLint, in pieces, so a run with hundreds of thousands of findings is written out
 * without first building one string of hundreds of MB (and its copies). JSON comes out byte for byte as
 * JSON.stringify(toJson(results), null, 2), one piece per finding (jsonFindingText, with the "[\n" or ",\n"
 * before it): writeOutputChunks encodes each into its output buffer, so no piece is big and nothing is joined.
 */
export function* renderLintChunks(format: LintFormat, results: FileFindings[], lookup: RuleLookup = noRules): Generator<string | Uint8Array> {
  if (format === 'json') {
    let first = true;
    for (const r of results) {
      if (r.fragment !== undefined) {
        if (r.fragment.length) {
          yield first ? '[\n' : ',\n';
          yield r.fragment;
          first = false;
        }
        continue;
      }
      if (r.findings.length === 0) continue;
      const name = jsonString(r.file);
      for (const f of r.findings) {
        yield jsonFindingText(first ? '[\n' : ',\n', r.file, name, f);
        first = false;
      }
    }
    yield first ? '[]' : '\n]';
    return;
  }
  if (format === 'text' || format === 'github') {
    let first = true;
    for (const r of results) {
      if (r.fragment !== undefined) {
        if (r.fragment.length) {
          if (!first) yield '\n';
          yield r.fragment;
          first = false;
        }
        continue;
      }
      if (r.findings.length === 0) continue;
      const fileProperty = format === 'github' ? githubFileProperty(r.file) : '';
      for (const f of r.findings) {
        yield `${first ? '' : '\n'}${format === 'text' ? textLine(r.file, f) : githubLine(r.file, f, fileProperty)}`;
        first = false;
      }
    }
    return;
  }
  yield renderLint(format, results, lookup);
}
