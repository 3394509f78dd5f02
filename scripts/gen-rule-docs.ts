// npm run docs: writes docs/rules/<id>.md and docs/rules/README.md from the rules' metadata.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULES } from '../src/core/lint/registry';
import { ENGINE_DOCS, renderAliasDoc, renderEngineDoc, renderRuleDoc, renderRuleIndex, ruleAliases } from '../src/core/lint/ruleDocs';

const dir = join(__dirname, '..', '..', 'docs', 'rules'); // out/scripts -> repo root
mkdirSync(dir, { recursive: true });
const aliases = ruleAliases(RULES);
const wanted = new Set(RULES.map((r) => `${r.meta.id}.md`).concat('README.md', ...Object.keys(ENGINE_DOCS).map((id) => `${id}.md`), ...[...aliases.keys()].map((a) => `${a}.md`)));
for (const f of readdirSync(dir)) if (f.endsWith('.md') && !wanted.has(f)) rmSync(join(dir, f));
for (const r of RULES) writeFileSync(join(dir, `${r.meta.id}.md`), renderRuleDoc(r));
writeFileSync(join(dir, 'README.md'), renderRuleIndex(RULES));
for (const id of Object.keys(ENGINE_DOCS)) writeFileSync(join(dir, `${id}.md`), renderEngineDoc(id));
// Former ids and squawk ids we answer to: a short page each, so old links land.
for (const [alias, rules] of aliases) writeFileSync(join(dir, `${alias}.md`), renderAliasDoc(alias, rules));
process.stdout.write(`wrote ${RULES.length} rule pages to docs/rules/\n`);
