// From validated lint settings (pgopt.json "lint" / pgopt.lint.* settings) to engine options, checking
// that every configured rule id exists (a typo would otherwise silently do nothing).
import type { ConfigProblem, LintSettings } from '../config';
import { ENGINE_RULE_IDS, RULE_NAMES } from './ruleNames';
import type { LintOptions } from './types';

export function knownRuleIds(): string[] {
  return [...RULE_NAMES.flatMap((r) => [r.id, ...(r.aliases ?? [])]), ...ENGINE_RULE_IDS];
}

export function toLintOptions(settings: LintSettings, prefix = 'lint'): { options: Partial<LintOptions>; problems: ConfigProblem[] } {
  const known = new Set(knownRuleIds());
  const problems: ConfigProblem[] = [];
  const rules: LintOptions['rules'] = {};
  for (const [id, sev] of Object.entries(settings.rules)) {
    if (!known.has(id)) {
      problems.push({ path: `${prefix}.rules.${id}`, message: `unknown rule "${id}"` });
      continue;
    }
    // An alias configures every rule that carries it.
    const targets = RULE_NAMES.filter((r) => r.id === id || r.aliases?.includes(id)).map((r) => r.id);
    for (const t of targets.length ? targets : [id]) rules[t] = sev;
  }
  return {
    options: {
      pgVersion: settings.pgVersion,
      assumeInTransaction: settings.assumeInTransaction,
      rules,
      ...(settings.liveEscalateBytes !== undefined ? { liveEscalateBytes: settings.liveEscalateBytes } : {}),
    },
    problems,
  };
}
