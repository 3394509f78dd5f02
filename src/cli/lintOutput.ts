// pgopt lint output formats: text (file:line:col: severity rule message), JSON (1-based positions) and
// SARIF 2.1.0 (for code-scanning UIs). Internal positions are 0-based UTF-16; everything printed is 1-based.
import { RULES } from '../core/lint/registry';
import type { Log, ReportingDescriptor } from 'sarif';
import type { LintFinding } from '../core/lint/types';
import { TOOL_VERSION } from '../core/version';

export interface FileFindings {
  file: string;
  findings: LintFinding[];
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

export function toJson(results: FileFindings[]): JsonFinding[] {
  return results.flatMap((r) =>
    r.findings.map((f) => ({
      file: r.file,
      line: f.line + 1,
      column: f.column + 1,
      endLine: f.endLine + 1,
      endColumn: f.endColumn + 1,
      rule: f.ruleId,
      severity: f.severity,
      message: f.message,
      ...(f.help !== undefined ? { help: f.help } : {}),
      ...(f.fix ? { fix: f.fix } : {}),
    })),
  );
}

export function toText(results: FileFindings[]): string {
  const lines: string[] = [];
  for (const r of results) {
    for (const f of r.findings) {
      lines.push(`${r.file}:${f.line + 1}:${f.column + 1}: ${f.severity} ${f.ruleId} ${f.message}${f.help ? ` (${f.help})` : ''}`);
    }
  }
  return lines.join('\n');
}

const SARIF_LEVEL: Record<string, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };

/** Typed against @types/sarif (the SARIF 2.1.0 object model), so a structural mistake fails to compile. */
export function toSarif(results: FileFindings[]): Log {
  const used = new Set(results.flatMap((r) => r.findings.map((f) => f.ruleId)));
  const ruleIds = [...used].sort();
  const rules = ruleIds.map((id): ReportingDescriptor => {
    const meta = RULES.find((r) => r.meta.id === id)?.meta;
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
