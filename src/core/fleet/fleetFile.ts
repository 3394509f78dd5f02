// The fleet file: {"fleet": [{"name", "url" | "service", "tags"}]} (a pgopt.json "fleet" key is the same
// shape). Validated entry by entry so every problem names its entry; never throws.
import * as z from 'zod/mini';
import { issuesToProblems, type ConfigProblem } from '../config';

export const fleetTargetSchema = z
  .strictObject({
    name: z.string().check(z.trim(), z.minLength(1, 'a fleet target needs a non-empty name')),
    url: z.optional(z.string().check(z.regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://'))),
    service: z.optional(z.string().check(z.minLength(1))),
    tags: z.optional(z.array(z.string())),
  })
  .check(
    z.refine((t) => (t.url === undefined) !== (t.service === undefined), {
      message: 'give exactly one of "url" or "service"',
    }),
  );

export interface FleetTarget {
  name: string;
  url?: string;
  service?: string;
  tags: string[];
}

/** Validates the `fleet` array; `prefix` names it in problems (e.g. `fleet.json fleet`). */
export function parseFleet(raw: unknown, prefix = 'fleet'): { targets: FleetTarget[]; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const targets: FleetTarget[] = [];
  if (raw === undefined || raw === null) return { targets, problems: [{ path: prefix, message: 'missing: expected "fleet": [{"name": ..., "url": ...}, ...]' }] };
  if (!Array.isArray(raw)) return { targets, problems: [{ path: prefix, message: 'must be an array of {"name", "url" | "service", "tags"}' }] };
  const seen = new Set<string>();
  raw.forEach((item, i) => {
    const r = fleetTargetSchema.safeParse(item);
    if (!r.success) {
      problems.push(...issuesToProblems(`${prefix}[${i}]`, r.error));
      return;
    }
    if (seen.has(r.data.name)) {
      problems.push({ path: `${prefix}[${i}].name`, message: `duplicate name "${r.data.name}"` });
      return;
    }
    seen.add(r.data.name);
    targets.push({
      name: r.data.name,
      ...(r.data.url !== undefined ? { url: r.data.url } : {}),
      ...(r.data.service !== undefined ? { service: r.data.service } : {}),
      tags: r.data.tags ?? [],
    });
  });
  if (raw.length === 0) problems.push({ path: prefix, message: 'is empty: list at least one database' });
  return { targets, problems };
}

/** Parses the text of a fleet file (or a pgopt.json with a `fleet` key). */
export function parseFleetFile(text: string, fileLabel: string): { targets: FleetTarget[]; problems: ConfigProblem[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { targets: [], problems: [{ path: fileLabel, message: `invalid JSON: ${(e as Error).message}` }] };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { targets: [], problems: [{ path: fileLabel, message: 'must be an object with a "fleet" array' }] };
  }
  return parseFleet((json as { fleet?: unknown }).fleet, `${fileLabel} fleet`);
}
