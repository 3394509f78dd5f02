// The real process environment and file system, shaped for connectionSpec's pure resolver.
import { readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import type { EnvAccess } from './connectionSpec';

export function nodeEnvAccess(env: Record<string, string | undefined> = process.env): EnvAccess {
  let username = env.USER ?? env.USERNAME ?? 'postgres';
  try {
    username = userInfo().username;
  } catch {
    // no passwd entry (containers): keep the environment's idea of the user
  }
  return {
    env,
    homedir: homedir(),
    username,
    readFile(path: string): string | undefined {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}
