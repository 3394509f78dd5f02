// npm run docs: writes docs/rules/<id>.md and docs/rules/README.md from the rules' metadata.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULES } from '../src/core/lint/registry';
import { renderRuleDoc, renderRuleIndex } from '../src/core/lint/ruleDocs';

const dir = join(__dirname, '..', '..', 'docs', 'rules'); // out/scripts -> repo root
mkdirSync(dir, { recursive: true });
const wanted = new Set(RULES.map((r) => `${r.meta.id}.md`).concat('README.md'));
for (const f of readdirSync(dir)) if (f.endsWith('.md') && !wanted.has(f)) rmSync(join(dir, f));
for (const r of RULES) writeFileSync(join(dir, `${r.meta.id}.md`), renderRuleDoc(r));
writeFileSync(join(dir, 'README.md'), renderRuleIndex(RULES));
process.stdout.write(`wrote ${RULES.length} rule pages to docs/rules/\n`);
