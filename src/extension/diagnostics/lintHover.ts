// Hover on a statement of a linted migration: the table lock it takes and what that lock blocks, then,
// for each finding under the cursor, the rule's title, why it hurts, the safe way and a link to its page.
import * as vscode from 'vscode';
import { describeLock, statementLock } from '../../core/lint/locks';
import { ruleById } from '../../core/lint/registry';
import type { LintHost } from './lintHost';

export class LintHoverProvider implements vscode.HoverProvider {
  constructor(private readonly host: LintHost) {}

  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const lint = this.host.current(doc);
    if (!lint) return undefined;
    const offset = doc.offsetAt(position);
    const stmt = lint.run.statements.find((s) => s.start <= offset && offset <= s.end);
    const findings = lint.run.findings.filter((f) => f.start <= offset && offset <= f.end);
    const lock = stmt ? statementLock(stmt) : undefined;
    if (!lock && findings.length === 0) return undefined;

    // Theme icons on, so appendText() escapes any `$(…)` in rule text.
    const md = new vscode.MarkdownString('', true);
    if (lock) {
      md.appendMarkdown('$(lock) **Lock:** ');
      md.appendText(describeLock(lock));
    }
    const seen = new Set<string>();
    for (const f of findings) {
      if (seen.has(f.ruleId)) continue;
      seen.add(f.ruleId);
      const meta = ruleById(f.ruleId)?.meta;
      if (md.value) md.appendMarkdown('\n\n---\n\n');
      md.appendMarkdown(`**${escape(meta?.title ?? f.ruleId)}** \`${f.ruleId}\` · [docs](${this.host.docsUri(f.ruleId).toString()})\n\n`);
      if (meta) {
        md.appendText(meta.why);
        md.appendMarkdown('\n\n*Safe way:* ');
        md.appendText(meta.safe);
      } else {
        md.appendText(f.help ?? f.message);
      }
    }
    const start = Math.min(...[stmt?.start, ...findings.map((f) => f.start)].filter((n): n is number => n !== undefined));
    const end = Math.max(...[stmt?.end, ...findings.map((f) => f.end)].filter((n): n is number => n !== undefined));
    return new vscode.Hover(md, new vscode.Range(doc.positionAt(start), doc.positionAt(end)));
  }
}

function escape(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
