// Hover on a statement of a linted migration: first the table lock it takes and what that lock blocks, then
// each finding under the cursor in one line (most severe first) with a link to its rule's page, where the
// rule's reasoning and the safe way are explained.
import * as vscode from 'vscode';
import { describeLock, statementLock } from '../../core/lint/locks';
import { ruleById } from '../../core/lint/registry';
import type { LintSeverity } from '../../core/lint/types';
import { editorFindings } from '../../core/lint/presentation';
import type { DocumentLints } from './documentLints';

export class LintHoverProvider implements vscode.HoverProvider {
  constructor(private readonly host: DocumentLints) {}

  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const lint = this.host.current(doc);
    if (!lint) return undefined;
    const offset = doc.offsetAt(position);
    const stmt = lint.run.statements.find((s) => s.start <= offset && offset <= s.end);
    const findings = editorFindings(lint.run.findings).filter((f) => f.start <= offset && offset <= f.end);
    const lock = stmt ? statementLock(stmt) : undefined;
    if (!lock && findings.length === 0) return undefined;

    // Theme icons on, so appendText() escapes any `$(…)` in rule text.
    const md = new vscode.MarkdownString('', true);
    if (lock) {
      md.appendMarkdown('$(lock) **Lock:** ');
      md.appendText(describeLock(lock));
    }
    const seen = new Set<string>();
    const ordered = [...findings].sort((a, b) => RANK[a.severity] - RANK[b.severity]);
    const lines: string[] = [];
    for (const f of ordered) {
      if (seen.has(f.ruleId)) continue;
      seen.add(f.ruleId);
      const meta = ruleById(f.ruleId)?.meta;
      const title = meta ? ` — ${escape(meta.title)}` : '';
      lines.push(`${ICON[f.severity]} ${escape(f.message)}${title} · [${escape(f.ruleId)}](${this.host.docsUri(f.ruleId).toString()})`);
    }
    if (lines.length) {
      if (md.value) md.appendMarkdown('\n\n');
      md.appendMarkdown(lines.map((l) => `- ${l}`).join('\n'));
    }
    const start = Math.min(...[stmt?.start, ...findings.map((f) => f.start)].filter((n): n is number => n !== undefined));
    const end = Math.max(...[stmt?.end, ...findings.map((f) => f.end)].filter((n): n is number => n !== undefined));
    return new vscode.Hover(md, new vscode.Range(doc.positionAt(start), doc.positionAt(end)));
  }
}

const RANK: Record<LintSeverity, number> = { error: 0, warning: 1, info: 2, hint: 3 };
const ICON: Record<LintSeverity, string> = { error: '$(error)', warning: '$(warning)', info: '$(info)', hint: '$(light-bulb)' };

function escape(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
