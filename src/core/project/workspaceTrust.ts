// What of the workspace's pgopt.json the editor may use to decide where it connects. pgopt.json is a file of the
// workspace: in a workspace the user has not trusted, whoever wrote the repository chose its hosts, and the
// editor sends PGPASSWORD (libpq sends it to any host) and the user's database data there. So in an untrusted
// workspace every key that names a host — `pooler.url`, `fleet`, `connections` — is dropped and the user's own
// settings decide (pgopt.pooler.url, pgopt.connections: restricted settings, which VS Code reads from the user
// level only in an untrusted workspace). Pure: the editor passes the trust state and its setting in.
import type { PgoptFile } from '../config';

/** A pgopt.json key the editor did not use, and the one sentence the UI shows for it. */
export interface WithheldSetting {
  /** Dotted path in pgopt.json, e.g. `pooler.url`. */
  key: string;
  because: string;
}

/** The keys of pgopt.json that name a host the editor would connect to (dotted for nested ones). */
export const CONNECTION_KEYS = ['pooler.url', 'fleet', 'connections'] as const;

/** The one sentence the UI shows for a workspace value ignored in an untrusted workspace. */
export function untrustedSentence(key: string, setting?: string): string {
  return (
    `pgopt.json "${key}" is ignored because this workspace is not trusted: a file of the workspace must not choose the host the editor connects to with your passwords` +
    (setting ? ` (trust the workspace, or set ${setting} in your user settings).` : ' (trust the workspace to use it).')
  );
}

export interface EditorConfigInput {
  trusted: boolean;
  /** The pgopt.pooler.url setting (user level only in an untrusted workspace); it wins over pgopt.json. */
  poolerUrlSetting?: string | undefined;
}

const hasKey = (o: unknown, key: string): boolean => typeof o === 'object' && o !== null && !Array.isArray(o) && (o as Record<string, unknown>)[key] !== undefined;

/**
 * The pgopt.json the editor's analyses use: in a trusted workspace the file as written; in an untrusted one
 * without the keys that name a host (each listed in `withheld` with its sentence). The pgopt.pooler.url setting,
 * when set, replaces `pooler.url` either way (user settings win, as `--pooler-url` does in the CLI).
 */
export function editorAnalysisConfig(file: PgoptFile, input: EditorConfigInput): { config: PgoptFile; withheld: WithheldSetting[] } {
  const withheld: WithheldSetting[] = [];
  const config: PgoptFile = { ...file };
  const setting = input.poolerUrlSetting?.trim() || undefined;
  if (!input.trusted) {
    if (config.fleet !== undefined) withheld.push({ key: 'fleet', because: untrustedSentence('fleet', 'pgopt.connections') });
    if (config.connections !== undefined) withheld.push({ key: 'connections', because: untrustedSentence('connections', 'pgopt.connections') });
    delete config.fleet;
    delete config.connections;
    if (hasKey(config.pooler, 'url')) {
      const { url: _ignored, ...rest } = config.pooler as Record<string, unknown>;
      config.pooler = rest;
      // Not said when the user's own setting replaces it anyway.
      if (!setting) withheld.push({ key: 'pooler.url', because: untrustedSentence('pooler.url', 'pgopt.pooler.url') });
    }
  }
  if (setting) {
    const pooler = typeof config.pooler === 'object' && config.pooler !== null && !Array.isArray(config.pooler) ? (config.pooler as Record<string, unknown>) : {};
    config.pooler = { ...pooler, url: setting };
  }
  return { config, withheld };
}
