// "Add as Rule": an inferred rule written into pgopt.json "integrity.rules", so it is checked as the user's
// own from then on. The file is edited as text (jsonc-parser's tree gives the offsets): everything else in
// it — other sections, order, indentation, the existing rules' one-line style — stays as it was; a new rule
// goes after the last one, on its own line, in the same indentation. A rule already there is not added
// twice. The write is atomic (a temporary file in the same folder renamed over pgopt.json). Both hosts call
// this: the CLI (pgopt analyze --write-rules) and the editor (Add as Rule on a finding).
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { applyEdits, findNodeAtLocation, modify, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser/lib/esm/main.js';
import { integrityRuleSchema, type IntegrityRule } from '../../config';
import type { Report } from '../../report/model';
import { describeRule } from './columnRules';

export class RulesFileError extends Error {}

const RULE_KEYS = ['schema', 'table', 'column', 'format', 'range', 'oneOf', 'regex', 'where', 'sampleRows', 'severity'] as const;

/** The same rule whatever its key order (and whether "public" is spelled out). */
function ruleKey(rule: IntegrityRule): string {
  return JSON.stringify([rule.schema ?? 'public', rule.table, rule.column, rule.where ?? '', rule.format ?? null, rule.range ?? null, rule.oneOf ?? null, rule.regex ?? null]);
}

/** A rule as one line in the style of hand-written pgopt.json files: `{ "table": "users", "column": "email", "format": "email" }`. */
export function ruleLine(rule: IntegrityRule): string {
  const value = (v: unknown): string => (Array.isArray(v) ? `[${v.map(value).join(', ')}]` : JSON.stringify(v));
  const entries = RULE_KEYS.filter((k) => rule[k] !== undefined).map((k) => `${JSON.stringify(k)}: ${value(rule[k])}`);
  return `{ ${entries.join(', ')} }`;
}

/** "users.email format email" / "health_data.value range [9, 140] where "data_type" = 'heart_rate'". */
export function ruleSummary(rule: IntegrityRule): string {
  return `${rule.schema ? `${rule.schema}.` : ''}${rule.table}.${rule.column} ${describeRule(rule)}${rule.where ? ` where ${rule.where}` : ''}`;
}

export interface AddRulesResult {
  text: string;
  added: IntegrityRule[];
  /** Rules the file already had. */
  present: IntegrityRule[];
}

/**
 * Adds `rules` to the text of a pgopt.json (undefined: no file yet). Throws RulesFileError, naming the
 * problem, when the text is not JSON or "integrity" / "integrity.rules" have another shape.
 */
export function addRulesToPgoptText(text: string | undefined, rules: readonly IntegrityRule[], fileLabel = 'pgopt.json'): AddRulesResult {
  let out = text ?? '{}\n';
  const errors: ParseError[] = [];
  const check = (t: string): Node => {
    errors.length = 0;
    const tree = parseTree(t, errors, { allowTrailingComma: false, disallowComments: true });
    if (errors.length || !tree || tree.type !== 'object') {
      const e = errors[0];
      throw new RulesFileError(`${fileLabel} is not a JSON object${e ? ` (${printParseErrorCode(e.error)} at offset ${e.offset})` : ''}; fix it first, nothing was written`);
    }
    return tree;
  };
  const tree = check(out);
  const integrity = findNodeAtLocation(tree, ['integrity']);
  if (integrity && integrity.type !== 'object') throw new RulesFileError(`${fileLabel}: "integrity" must be an object; nothing was written`);
  const existingNode = findNodeAtLocation(tree, ['integrity', 'rules']);
  if (existingNode && existingNode.type !== 'array') throw new RulesFileError(`${fileLabel}: "integrity.rules" must be an array; nothing was written`);
  const seen = new Set<string>();
  for (const child of existingNode?.children ?? []) {
    const parsed = integrityRuleSchema.safeParse(JSON.parse(out.slice(child.offset, child.offset + child.length)));
    if (parsed.success) seen.add(ruleKey(parsed.data));
  }
  const eol = out.includes('\r\n') ? '\r\n' : '\n';
  const added: IntegrityRule[] = [];
  const present: IntegrityRule[] = [];
  for (const rule of rules) {
    const key = ruleKey(rule);
    if (seen.has(key)) {
      present.push(rule);
      continue;
    }
    seen.add(key);
    added.push(rule);
    const current = check(out);
    const array = findNodeAtLocation(current, ['integrity', 'rules']);
    const last = array?.children?.[array.children.length - 1];
    if (array && last) {
      // After the last rule, on a new line with the same indentation as that rule's line.
      const lineStart = out.lastIndexOf('\n', last.offset) + 1;
      const indent = /^[ \t]*/.exec(out.slice(lineStart, last.offset))?.[0] ?? '';
      const at = last.offset + last.length;
      out = `${out.slice(0, at)},${eol}${indent}${ruleLine(rule)}${out.slice(at)}`;
    } else {
      const detect = /\n([ \t]+)"/.exec(out);
      const edits = modify(out, ['integrity', 'rules'], [rule], { formattingOptions: { insertSpaces: !detect?.[1]?.includes('\t'), tabSize: detect?.[1]?.length ?? 2, eol } });
      out = applyEdits(out, edits);
      // The first rule in the one-line style too.
      const fresh = findNodeAtLocation(check(out), ['integrity', 'rules', 0]);
      if (fresh) out = `${out.slice(0, fresh.offset)}${ruleLine(rule)}${out.slice(fresh.offset + fresh.length)}`;
    }
  }
  check(out);
  if (!out.endsWith('\n')) out += eol;
  return { text: added.length ? out : (text ?? ''), added, present };
}

/** The rules the report's findings propose (inferred validators), in report order, each once. */
export function proposedRules(report: Pick<Report, 'sections'>): IntegrityRule[] {
  const out = new Map<string, IntegrityRule>();
  for (const s of report.sections) for (const f of s.findings) if (f.rule && !out.has(ruleKey(f.rule))) out.set(ruleKey(f.rule), f.rule);
  return [...out.values()];
}

export interface WriteRulesResult extends Omit<AddRulesResult, 'text'> {
  created: boolean;
}

/** Adds the rules to the pgopt.json at `path` (created when missing), atomically; nothing is written when none is new. */
export function writeRulesToPgoptFile(path: string, rules: readonly IntegrityRule[]): WriteRulesResult {
  let text: string | undefined;
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) throw new RulesFileError(`${path} is a folder, not a pgopt.json file; nothing was written`);
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new RulesFileError(`cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); nothing was written`);
    }
  }
  const bom = text?.startsWith('\uFEFF') ? '\uFEFF' : '';
  const result = addRulesToPgoptText(bom ? text!.slice(1) : text, rules, path);
  if (result.added.length) {
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    try {
      writeFileSync(tmp, bom + result.text, { mode: text !== undefined ? statSync(path).mode & 0o777 : 0o644 });
      renameSync(tmp, path);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw new RulesFileError(`could not write ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); it was left unchanged`);
    }
  }
  return { added: result.added, present: result.present, created: text === undefined && result.added.length > 0 };
}
