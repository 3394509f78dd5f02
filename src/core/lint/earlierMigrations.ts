// Tables created by earlier migration files of the same run (pgopt lint --url over a directory, Lint All
// with a connection). A table that an earlier, not yet applied migration creates does not exist in the
// database: nobody can be reading or writing it, so ALTERs on it take no lock anyone waits for, and
// `unknown-object` must not call it unknown. Only the database can tell "not applied yet" from "applied",
// so without a connection nothing is assumed (a table created by an applied migration is live and busy).
import { relationsCreated } from './liveFacts';
import type { LiveContext, ParsedStatement } from './types';

export class EarlierMigrations {
  /** Relation names (parser case) created by the files seen so far. */
  private readonly created = new Set<string>();

  /**
   * The names, of those created by earlier files, that this file mentions and that the database does not
   * have. Call after preparing the file's live context and before add() for the same file.
   */
  pendingFor(live: LiveContext): string[] {
    const out = new Set<string>();
    for (const [key, value] of Object.entries(live.relations)) {
      if (value !== null) continue;
      const name = key.slice(key.lastIndexOf('.') + 1);
      if (this.created.has(name)) out.add(name);
    }
    return [...out];
  }

  add(statements: readonly ParsedStatement[]): void {
    for (const s of statements) for (const r of relationsCreated(s)) this.created.add(r.name);
  }
}
