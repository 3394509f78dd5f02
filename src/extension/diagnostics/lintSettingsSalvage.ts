// Lint settings that survive a typo. Pure (no vscode), unit tested.
import { lintSettingsSchema, parseLintSettings, type ConfigProblem, type LintSettings } from '../../core/config';

/**
 * parseLintSettings() falls back to all defaults when any key is bad; here every key that is valid on its
 * own is kept (and every valid rule entry), so one typo does not silently reset pgVersion or the rules.
 */
export function salvageLintSettings(raw: unknown, prefix: string): { settings: LintSettings; problems: ConfigProblem[] } {
  const first = parseLintSettings(raw, prefix);
  if (first.problems.length === 0 || typeof raw !== 'object' || raw === null || Array.isArray(raw)) return first;
  const shape = lintSettingsSchema.shape;
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!Object.hasOwn(shape, key)) continue;
    if (key === 'rules' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      kept.rules = Object.fromEntries(Object.entries(value).filter(([id, sev]) => shape.rules.safeParse({ [id]: sev }).success));
    } else if (shape[key as keyof typeof shape].safeParse(value).success) {
      kept[key] = value;
    }
  }
  return { settings: parseLintSettings(kept, prefix).settings, problems: first.problems };
}

/** One top-level section of a JSON text, or undefined when the text is not a JSON object. */
export function rawSection(text: string, key: string): unknown {
  try {
    const json: unknown = JSON.parse(text);
    return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>)[key] : undefined;
  } catch {
    return undefined;
  }
}
