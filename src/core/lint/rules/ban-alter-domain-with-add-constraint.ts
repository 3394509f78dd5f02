import type { AlterDomainStmt, CreateDomainStmt } from '@pgsql/types';
import { as, constraintOf, strings } from '../ast';
import { fileMemo } from '../summaries';
import type { FileState, Rule } from '../types';

export const banAlterDomainWithAddConstraint: Rule = {
  meta: {
    id: 'ban-alter-domain-with-add-constraint',
    title: 'Do not add constraints to existing domains',
    category: 'locks',
    defaultSeverity: 'warning',
    squawk: 'ban-alter-domain-with-add-constraint',
    lock: 'SHARE',
    description: 'ALTER DOMAIN ... ADD CONSTRAINT (validated immediately) on a domain that already exists.',
    why: 'Adding a constraint to a domain checks every column of every table that uses the domain, locking each of those tables against writes (SHARE) while its rows are scanned. The tables involved are not visible in the migration, so the blast radius is easy to underestimate.',
    safe: 'Put CHECK constraints on the table columns instead (ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT). If the domain constraint is really needed, add it NOT VALID and validate it in a quiet period.',
    examples: {
      bad: [{ sql: 'ALTER DOMAIN positive_amount ADD CONSTRAINT positive CHECK (VALUE > 0);' }],
      good: [
        { sql: 'ALTER TABLE invoices ADD CONSTRAINT total_positive CHECK (total > 0) NOT VALID;' },
        { sql: 'ALTER DOMAIN positive_amount ADD CONSTRAINT positive CHECK (VALUE > 0) NOT VALID;', note: 'NOT VALID skips the check of existing values (validation is a separate step).' },
        { sql: 'CREATE DOMAIN email AS text;\nALTER DOMAIN email ADD CONSTRAINT has_at CHECK (VALUE LIKE \'%@%\');', note: 'A domain created in the same file is not used by existing tables yet.' },
        { sql: 'ALTER DOMAIN positive_amount DROP CONSTRAINT positive;' },
      ],
    },
    differences: 'ADD CONSTRAINT ... NOT VALID and domains created earlier in the same file are not flagged (squawk flags every ADD CONSTRAINT).',
  },
  kinds: ['AlterDomainStmt'],
  check(ctx) {
    const d = as<AlterDomainStmt>(ctx.stmt.node, 'AlterDomainStmt');
    if (!d || d.subtype !== 'C') return;
    const c = constraintOf(d.def);
    if (!c || c.skip_validation) return;
    const name = strings(d.typeName);
    const key = name[name.length - 1]?.toLowerCase();
    const createdHere = domainsCreated(ctx.file).has(key);
    if (createdHere) return;
    ctx.report({
      message: `Adding a constraint to domain ${name.join('.')} scans every column of every table that uses it, blocking writes on each of those tables while it checks.`,
      help: 'Use CHECK constraints on the table columns instead (NOT VALID, then VALIDATE CONSTRAINT).',
      ...(c.location !== undefined ? { at: { location: c.location } } : {}),
    });
  },
  summarizeKinds: ['CreateDomainStmt'],
  summarize(ctx) {
    const cd = ctx.stmt.kind === 'CreateDomainStmt' ? as<CreateDomainStmt>(ctx.stmt.node, 'CreateDomainStmt') : undefined;
    if (!cd) return;
    const n = strings(cd.domainname);
    domainsCreated(ctx.file).add(n[n.length - 1]?.toLowerCase());
  },
};

/** Domains created by earlier statements of the file (last name part, lower-case). */
function domainsCreated(file: FileState): Set<string | undefined> {
  return fileMemo(file, 'ban-alter-domain-with-add-constraint', () => new Set<string | undefined>());
}
