import type { CreateDomainStmt } from '@pgsql/types';
import { as, constraintOf, strings } from '../ast';
import type { Rule } from '../types';

export const banCreateDomainWithConstraint: Rule = {
  meta: {
    id: 'ban-create-domain-with-constraint',
    title: 'Do not create domains with constraints',
    category: 'locks',
    defaultSeverity: 'warning',
    squawk: 'ban-create-domain-with-constraint',
    description: 'CREATE DOMAIN with a CHECK or NOT NULL constraint.',
    why: 'Creating the domain is harmless, but its constraints are hard to change online later: ALTER DOMAIN ADD CONSTRAINT / SET NOT NULL checks every column of every table using the domain while locking those tables against writes, and changing the constraint means touching all of them at once.',
    safe: 'Create the domain without constraints (or use the base type) and put CHECK / NOT NULL constraints on the table columns, where they can be added NOT VALID and validated without blocking.',
    examples: {
      bad: [{ sql: 'CREATE DOMAIN positive_amount AS numeric(12,2) CHECK (VALUE > 0);' }, { sql: 'CREATE DOMAIN email AS text NOT NULL;' }],
      good: [{ sql: 'CREATE DOMAIN email AS text;' }, { sql: 'CREATE DOMAIN amount AS numeric(12,2) DEFAULT 0;', note: 'A default is not a constraint.' }],
    },
  },
  kinds: ['CreateDomainStmt'],
  check(ctx) {
    const d = as<CreateDomainStmt>(ctx.stmt.node, 'CreateDomainStmt');
    if (!d) return;
    const cons = (d.constraints ?? []).map((c) => constraintOf(c)).filter((c) => c?.contype === 'CONSTR_CHECK' || c?.contype === 'CONSTR_NOTNULL');
    const first = cons[0];
    if (!first) return;
    ctx.report({
      message: `Domain ${strings(d.domainname).join('.')} is created with ${cons.length > 1 ? 'constraints' : 'a constraint'}: changing ${cons.length > 1 ? 'them' : 'it'} later locks and scans every table that uses the domain.`,
      help: 'Put CHECK / NOT NULL constraints on the table columns instead.',
      ...(first.location !== undefined ? { at: { location: first.location } } : {}),
    });
  },
};
