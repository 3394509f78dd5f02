// Renders a rule's docs page from its metadata, so the page, the tests (examples) and the diagnostics'
// help text never drift apart. `npm run docs` writes docs/rules/<id>.md; a unit test checks they are current.
import { LOCK_BLOCKS } from './locks';
import type { Rule, RuleExample } from './types';

const CATEGORY: Record<string, string> = {
  locks: 'Locks, rewrites and scans',
  breaking: 'Breaking changes for running code',
  hygiene: 'Robustness and hygiene',
  types: 'Type preferences',
  live: 'Live checks (need a connection)',
};

function example(ex: RuleExample): string {
  const opts = ex.options ? Object.entries(ex.options).map(([k, v]) => `${k}: ${JSON.stringify(v instanceof Set ? [...v] : v)}`).join(', ') : '';
  const head = [ex.note, opts ? `(with ${opts})` : ''].filter(Boolean).join(' ');
  return `${head ? `${head}\n\n` : ''}\`\`\`sql\n${ex.sql.trim()}\n\`\`\``;
}

export function renderRuleDoc(rule: Rule): string {
  const m = rule.meta;
  const lines: string[] = [];
  lines.push(`# ${m.id}`, '');
  lines.push(`**${m.title}** — ${CATEGORY[m.category] ?? m.category}; default severity: \`${m.defaultSeverity}\`${(m as { defaultOff?: boolean }).defaultOff ? ' (off unless enabled)' : ''}.`);
  if (m.squawk) lines.push(`Same hazard as squawk's \`${m.squawk}\`: its ignore comments and config names work here too.`);
  if (m.aliases?.length) lines.push(`Also answers to: ${m.aliases.map((a) => `\`${a}\``).join(', ')}.`);
  lines.push('', '## What it catches', '', m.description, '');
  lines.push('## Why it hurts in production', '', m.why, '');
  if (m.lock) lines.push(`Lock taken: \`${m.lock}\` — blocks ${LOCK_BLOCKS[m.lock]}.`, '');
  lines.push('## The safe way', '', m.safe, '');
  lines.push('## Flagged', '', ...m.examples.bad.map(example).flatMap((e) => [e, '']));
  lines.push('## Not flagged', '', ...m.examples.good.map(example).flatMap((e) => [e, '']));
  if (m.differences) lines.push('## Differences from squawk', '', m.differences, '');
  lines.push('## Silencing it', '', `For one statement: \`-- pgopt-ignore ${m.id}\` on the line above. For a file: \`-- pgopt-ignore-file ${m.id}\`. Everywhere: \`"lint": { "rules": { "${m.id}": "off" } }\` in pgopt.json or the \`pgopt.lint.rules\` setting.`, '');
  return `${lines.join('\n').trimEnd()}\n`;
}

export function renderRuleIndex(rules: readonly Rule[]): string {
  const lines = ['# Lint rules', '', '| Rule | Category | Default | What it catches |', '|---|---|---|---|'];
  for (const r of rules) {
    lines.push(`| [${r.meta.id}](${r.meta.id}.md) | ${CATEGORY[r.meta.category] ?? r.meta.category} | ${r.meta.defaultSeverity} | ${r.meta.description.replace(/\|/g, '\\|')} |`);
  }
  lines.push(
    '',
    'Engine checks: `syntax-error` (a statement the Postgres parser rejects; other statements are still linted), `unused-ignore` (an ignore comment that suppresses nothing), `internal-error` (a rule failed; please report it).',
    '',
  );
  return lines.join('\n');
}
