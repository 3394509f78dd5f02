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
  const setup = ex.setup ? `In a database holding:\n\n\`\`\`sql\n${ex.setup.trim()}\n\`\`\`\n\nthe migration\n\n` : '';
  return `${head ? `${head}\n\n` : ''}${setup}\`\`\`sql\n${ex.sql.trim()}\n\`\`\``;
}

/** Each alias id (a former name, a squawk name) and the rules that answer to it. */
export function ruleAliases(rules: readonly Rule[]): Map<string, Rule[]> {
  const ids = new Set(rules.map((r) => r.meta.id));
  const out = new Map<string, Rule[]>();
  for (const r of rules) for (const a of r.meta.aliases ?? []) if (!ids.has(a)) out.set(a, [...(out.get(a) ?? []), r]);
  return out;
}

/** A short page at docs/rules/<alias>.md, so links to a former rule id (or a squawk id we answer to) still land. */
export function renderAliasDoc(alias: string, rules: readonly Rule[]): string {
  const links = rules.map((r) => `[\`${r.meta.id}\`](${r.meta.id}.md)`);
  const joined = links.length > 1 ? `${links.slice(0, -1).join(', ')} and ${links[links.length - 1]}` : (links[0] ?? '');
  return `# ${alias}\n\n\`${alias}\` is not a rule of its own: it is covered by ${joined}. The id still works in \`pgopt.json\` (\`lint.rules\`) and in ignore comments.\n`;
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
  if (m.needsConnection) lines.push('Runs only with a database connection (`pgopt lint --url`, or an active connection in the editor): it reads the catalog and counts rows in read-only, bounded queries.', '');
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

/** Pages for the engine's own finding ids, which diagnostics link to like any rule. */
export const ENGINE_DOCS: Record<string, { title: string; body: string }> = {
  'syntax-error': {
    title: 'The Postgres parser rejects this statement',
    body: 'The statement does not parse with the PostgreSQL 18 grammar (libpg-query, the real parser). The finding sits at the position the parser reports. Other statements of the file are still linted: the file is split into statements first and each is parsed on its own when the whole file does not parse. Syntax errors cannot be silenced with ignore comments; set `"syntax-error": "off"` in `lint.rules` to hide them.',
  },
  'unused-ignore': {
    title: 'An ignore comment that suppresses nothing',
    body: 'A `-- pgopt-ignore …` / `-- squawk-ignore …` comment (next statement) or `-- pgopt-ignore-file …` comment (whole file) that matched no finding. Usually the hazard was fixed and the comment stayed, or the rule id is misspelled. The quick fix removes the comment.',
  },
  'internal-error': {
    title: 'A rule failed on this statement',
    body: 'A rule threw an exception on this statement. The other rules still ran. Please report it with the statement. Off by default (severity hint).',
  },
};

export function renderEngineDoc(id: string): string {
  const d = ENGINE_DOCS[id];
  if (!d) throw new Error(`no engine doc for ${id}`);
  return `# ${id}\n\n**${d.title}** — reported by the lint engine itself.\n\n${d.body}\n`;
}
