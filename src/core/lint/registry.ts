// Every lint rule, in docs order. The rule files are listed by concern in rules/lockRules.ts and
// rules/otherRules.ts; engine-level rules (syntax-error, unused-ignore) live in linter.ts.
import { LIVE_RULES } from './rules/liveRules';
import { LOCK_RULES } from './rules/lockRules';
import { OTHER_RULES } from './rules/otherRules';
import type { Rule } from './types';

export const RULES: readonly Rule[] = [...LOCK_RULES, ...OTHER_RULES, ...LIVE_RULES];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.meta.id === id || r.meta.aliases?.includes(id));
}
