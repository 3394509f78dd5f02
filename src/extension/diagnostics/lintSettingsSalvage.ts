// Reads one section of pgopt.json's raw text, so a bad sibling section cannot hide it. Pure, unit tested.
/** One top-level section of a JSON text, or undefined when the text is not a JSON object. */
export function rawSection(text: string, key: string): unknown {
  try {
    const json: unknown = JSON.parse(text);
    return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>)[key] : undefined;
  } catch {
    return undefined;
  }
}
