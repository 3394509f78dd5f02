// The migration linter in the editor: diagnostics on open and (debounced) on change, one parse cache per
// document so an edit re-parses only the statements it touched, diagnostics for pgopt.json problems, and
// "Lint All Migrations" for files that are not open. Created on first use by the activation bundle
// (lintStarter.ts); it registers the code action and hover providers itself.
import * as vscode from 'vscode';
import type { DbSession } from '../../core/db/session';
import { editorFindings } from '../../core/lint/presentation';
import { LiveCache, prepareLiveContext } from '../../core/lint/live';
import { loadParser, ParseCache, lintText, type LintRun } from '../../core/lint/linter';
import type { LintFinding, LintOptions, LintSeverity, LiveContext } from '../../core/lint/types';
import { lintFiles, type LintSource } from '../../core/project/lintFiles';
import { selectLintFiles, type SelectionIo } from '../../core/project/lintSelection';
import { log } from '../log';
import { isPgoptFile, isSqlDocument, PGOPT_FILE_NAME, SQL_LANGUAGES } from '../sqlDocuments';
import { locateConfigProblems } from './configProblemLocations';
import type { DocumentLint, DocumentLints } from './documentLints';
import { LintCodeActionProvider } from './lintCodeActions';
import { LintHoverProvider } from './lintHover';
import {
  editorLintSettings,
  folderFor,
  loadFolderLintConfig,
  PGOPT_FILE_ROOT,
  workspaceRelativePath,
  type FolderLintConfig,
} from './lintWorkspaceConfig';

export const DIAGNOSTIC_SOURCE = 'pgopt';

export type { DocumentLint } from './documentLints';

interface DocState {
  cache: ParseCache;
  timer: NodeJS.Timeout | undefined;
  last: DocumentLint | undefined;
  /** Live context for the live rules (prepared asynchronously after the sync lint; may lag the text). */
  live: LiveContext | undefined;
  liveTimer: NodeJS.Timeout | undefined;
  /** Bumped on every live request: a slower, older request never overwrites a newer one. */
  liveSeq: number;
}

/** The active database connection, as the live rules need it (ConnectionManager satisfies this). */
export interface LiveConnectionSource {
  readonly current: { session: DbSession } | undefined;
  readonly onDidChange: vscode.Event<unknown>;
}

/** Delay after a lint before the live context is refreshed (catalog query + bounded counts). */
const LIVE_DEBOUNCE_MS = 600;
/** How long catalog facts and counts are reused while typing. */
const LIVE_TTL_MS = 30_000;

export interface LintAllResult {
  files: number;
  findings: number;
  cancelled: boolean;
}

const SEVERITY: Record<LintSeverity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/** A cache large enough for the whole file, so a re-lint after an edit finds every unchanged statement. */
function cacheFor(text: string): ParseCache {
  let semicolons = 0;
  for (let i = text.indexOf(';'); i >= 0; i = text.indexOf(';', i + 1)) semicolons++;
  return new ParseCache(Math.max(2_000, 3 * semicolons));
}

export class LintHost implements vscode.Disposable, DocumentLints {
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('pgopt-lint');
  private readonly configDiagnostics = vscode.languages.createDiagnosticCollection('pgopt-config');
  private readonly docs = new Map<string, DocState>();
  /** Per workspace folder ('' for none); dropped when settings or pgopt.json change. */
  private readonly configs = new Map<string, Promise<FolderLintConfig>>();
  /** Files whose diagnostics came from Lint All: they keep them when closed (re-linted from disk). */
  private readonly lintAllUris = new Set<string>();
  /** One cache for the files Lint All reads from disk. */
  private readonly diskCache = new ParseCache();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly parser: Promise<void>;
  private parserLoaded = false;
  private configTimer: NodeJS.Timeout | undefined;
  private shownSettingsProblems = '';

  private live: { session: DbSession; cache: LiveCache } | undefined;

  constructor(
    readonly extensionUri: vscode.Uri,
    private readonly connections?: LiveConnectionSource,
  ) {
    this.parser = loadParser().then(() => {
      this.parserLoaded = true;
    });
    this.parser.catch((e: unknown) => log.error('the SQL parser failed to load (is libpg-query.wasm beside the bundle?)', e));
    const selector = SQL_LANGUAGES.map((language) => ({ language }));
    this.disposables.push(
      this.diagnostics,
      this.configDiagnostics,
      vscode.languages.registerCodeActionsProvider(selector, new LintCodeActionProvider(this), {
        providedCodeActionKinds: LintCodeActionProvider.kinds,
      }),
      vscode.languages.registerHoverProvider(selector, new LintHoverProvider(this)),
    );
    vscode.workspace.onDidOpenTextDocument((d) => this.onOpen(d), this, this.disposables);
    vscode.workspace.onDidChangeTextDocument((e) => this.onChange(e), this, this.disposables);
    vscode.workspace.onDidCloseTextDocument((d) => this.onClose(d), this, this.disposables);
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('pgopt.lint') && this.configChanged(), this, this.disposables);
    vscode.workspace.onDidChangeWorkspaceFolders(() => this.configChanged(), this, this.disposables);
    vscode.workspace.onDidDeleteFiles((e) => e.files.forEach((u) => this.forget(u)), this, this.disposables);
    const watcher = vscode.workspace.createFileSystemWatcher(`**/${PGOPT_FILE_NAME}`);
    this.disposables.push(watcher);
    for (const ev of [watcher.onDidCreate, watcher.onDidChange, watcher.onDidDelete]) ev(() => this.configChanged(), this, this.disposables);

    if (connections) connections.onDidChange(() => this.connectionChanged(), this, this.disposables);

    for (const d of vscode.workspace.textDocuments) this.onOpen(d);
    // pgopt.json problems are shown even before a SQL file is opened.
    void this.refreshConfigDiagnostics();
  }

  dispose(): void {
    for (const s of this.docs.values()) {
      clearTimeout(s.timer);
      clearTimeout(s.liveTimer);
    }
    clearTimeout(this.configTimer);
    this.docs.clear();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  /** Docs page of a rule, shipped in the extension (docs/rules/<id>.md). */
  docsUri(ruleId: string): vscode.Uri {
    return vscode.Uri.joinPath(this.extensionUri, 'docs', 'rules', `${ruleId}.md`);
  }

  // ---- configuration -------------------------------------------------------------------------------

  private configFor(uri: vscode.Uri): Promise<FolderLintConfig> {
    const folder = folderFor(uri);
    const key = folder?.uri.toString() ?? '';
    let c = this.configs.get(key);
    if (!c) {
      c = loadFolderLintConfig(folder);
      this.configs.set(key, c);
      void c.then((cfg) => this.showConfigProblems(cfg)).catch((e: unknown) => log.error('lint config failed', e));
    }
    return c;
  }

  private configChanged(): void {
    clearTimeout(this.configTimer);
    // Coalesce bursts (typing in pgopt.json, a save that also fires the watcher).
    this.configTimer = setTimeout(() => {
      this.configs.clear();
      void this.refreshConfigDiagnostics();
      for (const d of vscode.workspace.textDocuments) if (isSqlDocument(d)) this.schedule(d, 0);
      for (const u of [...this.lintAllUris]) if (!this.openDocument(u)) void this.lintClosedFile(vscode.Uri.parse(u));
    }, 50);
  }

  private async refreshConfigDiagnostics(): Promise<void> {
    this.configDiagnostics.clear();
    for (const f of vscode.workspace.workspaceFolders ?? []) await this.configFor(f.uri);
  }

  private showConfigProblems(cfg: FolderLintConfig): void {
    if (cfg.pgoptFile) {
      const doc = this.openDocument(cfg.pgoptFile.uri.toString());
      const text = cfg.pgoptFile.text;
      const located = locateConfigProblems(text, cfg.pgoptFile.problems, PGOPT_FILE_ROOT);
      const at = (offset: number): vscode.Position => (doc && doc.getText() === text ? doc.positionAt(offset) : positionIn(text, offset));
      this.configDiagnostics.set(
        cfg.pgoptFile.uri,
        located.map((p) => {
          const d = new vscode.Diagnostic(new vscode.Range(at(p.start), at(p.end)), p.path ? `${p.path}: ${p.message}` : p.message, vscode.DiagnosticSeverity.Error);
          d.source = DIAGNOSTIC_SOURCE;
          return d;
        }),
      );
    }
    if (cfg.settingsProblems.length) {
      const text = cfg.settingsProblems.map((p) => `${p.path}: ${p.message}`).join('; ');
      log.warn(`lint settings problems: ${text}`);
      if (text !== this.shownSettingsProblems) {
        this.shownSettingsProblems = text;
        void vscode.window.showWarningMessage(`Postgres Optimizer lint settings: ${text}`, 'Open Settings').then((pick) => {
          if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', 'pgopt.lint');
        });
      }
    }
  }

  // ---- documents -----------------------------------------------------------------------------------

  private openDocument(uri: string): vscode.TextDocument | undefined {
    return vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
  }

  private onOpen(doc: vscode.TextDocument): void {
    if (isSqlDocument(doc)) this.schedule(doc, 0);
  }

  private onChange(e: vscode.TextDocumentChangeEvent): void {
    if (e.contentChanges.length === 0) return;
    if (isPgoptFile(e.document)) {
      this.configChanged();
      return;
    }
    if (isSqlDocument(e.document)) this.schedule(e.document, editorLintSettings(e.document.uri).debounceMs);
  }

  private onClose(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    const s = this.docs.get(key);
    if (s) {
      clearTimeout(s.timer);
      clearTimeout(s.liveTimer);
    }
    this.docs.delete(key);
    if (isPgoptFile(doc)) this.configChanged();
    // A file found by Lint All stays in the Problems panel, as its saved text says.
    if (this.lintAllUris.has(key)) void this.lintClosedFile(doc.uri);
    else this.diagnostics.delete(doc.uri);
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    this.lintAllUris.delete(key);
    this.docs.delete(key);
    this.diagnostics.delete(uri);
  }

  private state(doc: vscode.TextDocument): DocState {
    const key = doc.uri.toString();
    let s = this.docs.get(key);
    if (!s) {
      s = { cache: cacheFor(doc.getText()), timer: undefined, last: undefined, live: undefined, liveTimer: undefined, liveSeq: 0 };
      this.docs.set(key, s);
    }
    return s;
  }

  private schedule(doc: vscode.TextDocument, delayMs: number): void {
    const s = this.state(doc);
    clearTimeout(s.timer);
    s.timer = setTimeout(() => {
      s.timer = undefined;
      this.lintDocument(doc).catch((e: unknown) => log.error(`lint of ${doc.uri.fsPath} failed`, e));
    }, delayMs);
  }

  /** Whether the document is a migration under this config (the project's lint selection: globs or a `-- migrate:up` line). */
  isMigration(doc: { uri: vscode.Uri; text: string }, cfg: FolderLintConfig): boolean {
    return cfg.selection.isMigration(workspaceRelativePath(doc.uri, cfg.folder), doc.text);
  }

  private async lintDocument(doc: vscode.TextDocument): Promise<DocumentLint | undefined> {
    if (doc.isClosed) return undefined;
    if (!editorLintSettings(doc.uri).enable) {
      this.diagnostics.delete(doc.uri);
      return undefined;
    }
    const cfg = await this.configFor(doc.uri);
    await this.parser;
    if (doc.isClosed) return undefined;
    if (!this.isMigration({ uri: doc.uri, text: doc.getText() }, cfg)) {
      const s = this.docs.get(doc.uri.toString());
      if (s) s.last = undefined;
      if (!this.lintAllUris.has(doc.uri.toString())) this.diagnostics.delete(doc.uri);
      return undefined;
    }
    const r = this.lintNow(doc, cfg.options);
    this.scheduleLive(doc);
    return r;
  }

  /** Synchronous lint of the document's current text (the parser is loaded), with the live context when ready. */
  private lintNow(doc: vscode.TextDocument, options: Partial<LintOptions>): DocumentLint {
    const s = this.state(doc);
    const text = doc.getText();
    const started = performance.now();
    const run = lintText(text, s.live && this.live ? { ...options, live: s.live } : options, { cache: s.cache });
    const ms = performance.now() - started;
    if (ms > 200) log.info(`lint of ${doc.uri.fsPath} took ${ms.toFixed(0)} ms (${run.statements.length} statements)`);
    s.last = { version: doc.version, text, run, options };
    this.diagnostics.set(doc.uri, editorFindings(run.findings).map((f) => this.toDiagnostic(f, doc)));
    return s.last;
  }

  // ---- live rules ----------------------------------------------------------------------------------

  /** The active session and its cache (a new cache per session: facts of another database never leak). */
  private liveSession(): { session: DbSession; cache: LiveCache } | undefined {
    const session = this.connections?.current?.session;
    if (!session || !session.alive) return undefined;
    if (this.live?.session !== session) this.live = { session, cache: new LiveCache(LIVE_TTL_MS) };
    return this.live;
  }

  private connectionChanged(): void {
    this.live = undefined;
    for (const [key, s] of this.docs) {
      s.live = undefined;
      s.liveSeq++;
      clearTimeout(s.liveTimer);
      const doc = this.openDocument(key);
      if (doc && s.last) this.schedule(doc, 0);
    }
  }

  /**
   * After a sync lint: prepare the live context in the background (debounced; read-only bounded queries,
   * cached per relation), then lint again with it. Typing never waits for the database.
   */
  private scheduleLive(doc: vscode.TextDocument): void {
    if (!this.liveSession()) return;
    const s = this.state(doc);
    clearTimeout(s.liveTimer);
    s.liveTimer = setTimeout(() => {
      s.liveTimer = undefined;
      void this.refreshLive(doc, s);
    }, LIVE_DEBOUNCE_MS);
  }

  private async refreshLive(doc: vscode.TextDocument, s: DocState): Promise<void> {
    const conn = this.liveSession();
    const last = s.last;
    if (!conn || !last || doc.isClosed) return;
    const seq = ++s.liveSeq;
    try {
      const ctx = await prepareLiveContext(last.run.statements, conn.session, { cache: conn.cache });
      if (seq !== s.liveSeq || doc.isClosed || this.live !== conn || this.docs.get(doc.uri.toString()) !== s) return;
      s.live = ctx;
      // Re-lint the current text with the context (the text may have moved on: the context is keyed by
      // relation name and statement text, and rules stay silent about what it does not cover).
      this.lintNow(doc, s.last?.options ?? last.options);
      // Text changed while the queries ran: fetch what the new text names (cache hits are free).
      if (doc.version !== last.version) this.scheduleLive(doc);
    } catch (e) {
      log.warn(`live lint context for ${doc.uri.fsPath} failed: ${(e as Error).message}`);
    }
  }

  /**
   * The lint of the document's current version, re-linted synchronously when an edit is still inside the
   * debounce window; undefined for documents that are not linted migrations. For code actions and hovers.
   */
  current(doc: vscode.TextDocument): DocumentLint | undefined {
    const s = this.docs.get(doc.uri.toString());
    if (!s?.last || !this.parserLoaded) return undefined;
    if (s.last.version === doc.version) return s.last;
    clearTimeout(s.timer);
    s.timer = undefined;
    return this.lintNow(doc, s.last.options);
  }

  toDiagnostic(f: LintFinding, doc?: vscode.TextDocument): vscode.Diagnostic {
    const range = doc ? new vscode.Range(doc.positionAt(f.start), doc.positionAt(f.end)) : new vscode.Range(f.line, f.column, f.endLine, f.endColumn);
    const d = new vscode.Diagnostic(range, f.help ? `${f.message}\nHelp: ${f.help}` : f.message, SEVERITY[f.severity]);
    d.source = DIAGNOSTIC_SOURCE;
    d.code = { value: f.ruleId, target: this.docsUri(f.ruleId) };
    if (f.ruleId === 'unused-ignore') d.tags = [vscode.DiagnosticTag.Unnecessary];
    return d;
  }

  // ---- Lint All ------------------------------------------------------------------------------------

  /** A file Lint All found, re-linted from disk (closed, or the config changed). */
  private async lintClosedFile(uri: vscode.Uri): Promise<void> {
    const source = await readText(uri);
    if (source === undefined) {
      this.forget(uri);
      return;
    }
    const cfg = await this.configFor(uri);
    await this.parser;
    const run = lintText(source, cfg.options, { cache: this.diskCache });
    this.diagnostics.set(uri, editorFindings(run.findings).map((f) => this.toDiagnostic(f)));
  }

  /** How the project's lint selection reaches this folder's files: the workspace search, open editors first. */
  private selectionIo(folder: vscode.WorkspaceFolder, exclude: readonly string[], token: vscode.CancellationToken): SelectionIo {
    const skip = excludeGlob(folder, exclude);
    return {
      glob: async (patterns) => {
        const out = new Set<string>();
        for (const glob of patterns) {
          for (const u of await vscode.workspace.findFiles(new vscode.RelativePattern(folder, glob), skip, undefined, token)) {
            const rel = workspaceRelativePath(u, folder);
            if (rel !== undefined) out.add(rel);
          }
        }
        return [...out];
      },
      read: async (rel) => {
        const uri = vscode.Uri.joinPath(folder.uri, rel);
        return this.openDocument(uri.toString())?.getText() ?? (await readText(uri));
      },
    };
  }

  /**
   * Lints every migration file of the workspace, open or not, into the Problems panel: the project's lint
   * selection (the files `pgopt lint` lints with no paths) and the project's lintFiles use case — with a
   * connection, the live rules too, in file order, so a table an earlier pending file creates is known.
   */
  async lintAll(progress: vscode.Progress<{ message?: string; increment?: number }>, token: vscode.CancellationToken): Promise<LintAllResult> {
    const groups: { cfg: FolderLintConfig; uris: vscode.Uri[] }[] = [];
    let total = 0;
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const cfg = await this.configFor(folder.uri);
      const rels = await selectLintFiles(cfg.selection, this.selectionIo(folder, cfg.settings.exclude, token));
      if (token.isCancellationRequested) return { files: 0, findings: 0, cancelled: true };
      groups.push({ cfg, uris: rels.map((rel) => vscode.Uri.joinPath(folder.uri, rel)) });
      total += rels.length;
    }
    await this.parser;

    let findings = 0;
    let done = 0;
    const previous = new Set(this.lintAllUris);
    const conn = this.liveSession();
    const cancelled = new Error('cancelled');
    for (const { cfg, uris } of groups) {
      const byKey = new Map(uris.map((u) => [u.toString(), u]));
      /** Open documents as read: the version the findings describe. */
      const readFrom = new Map<string, { doc: vscode.TextDocument; version: number; text: string }>();
      const read = async (key: string): Promise<LintSource> => {
        const open = this.openDocument(key);
        if (open && isSqlDocument(open)) {
          const text = open.getText();
          readFrom.set(key, { doc: open, version: open.version, text });
          return { text };
        }
        const text = await readText(byKey.get(key) as vscode.Uri);
        return text === undefined ? { skipped: unreadable() } : { text };
      };
      try {
        const r = await lintFiles([...byKey.keys()], read, cfg.options, {
          ...(conn ? { live: { session: conn.session, cache: conn.cache } } : {}),
          parseCache: (key) => {
            const open = readFrom.get(key);
            return open ? this.state(open.doc).cache : this.diskCache;
          },
          onFile: async (key, result) => {
            const uri = byKey.get(key) as vscode.Uri;
            progress.report({ message: vscode.workspace.asRelativePath(uri), increment: 100 / total });
            previous.delete(key);
            if (!result.run) {
              this.forget(uri);
            } else {
              this.lintAllUris.add(key);
              const open = readFrom.get(key);
              if (open && !open.doc.isClosed) {
                const s = this.state(open.doc);
                clearTimeout(s.timer);
                if (conn) s.live = result.live;
                s.last = { version: open.version, text: open.text, run: result.run, options: cfg.options };
              }
              this.diagnostics.set(uri, editorFindings(result.findings).map((f) => this.toDiagnostic(f, open && open.doc.version === open.version ? open.doc : undefined)));
              findings += result.findings.length;
              done++;
            }
            if (token.isCancellationRequested) throw cancelled;
            // Keep the extension host responsive on big workspaces.
            if (done % 20 === 0) await new Promise((r) => setImmediate(r));
          },
        });
        for (const n of r.notes) log.warn(`live lint context: ${n}`);
      } catch (e) {
        if (e === cancelled || (e as Error).name === 'CancelledError') return { files: done, findings, cancelled: true };
        throw e;
      }
    }
    // Files from an earlier run that are no longer migrations (moved, excluded, deleted).
    for (const key of previous) {
      this.lintAllUris.delete(key);
      if (!this.docs.get(key)?.last) this.diagnostics.delete(vscode.Uri.parse(key));
    }
    return { files: done, findings, cancelled: false };
  }
}

/**
 * The exclude globs as one findFiles pattern, so the search skips those folders (node_modules) instead of
 * walking them; the results are filtered with picomatch as well. Patterns with their own braces cannot be
 * combined: then the default file excludes apply and the filter alone does the work.
 */
function excludeGlob(folder: vscode.WorkspaceFolder, patterns: readonly string[]): vscode.GlobPattern | undefined {
  if (patterns.length === 0 || patterns.some((p) => /[{},]/.test(p))) return undefined;
  return new vscode.RelativePattern(folder, patterns.length === 1 ? (patterns[0] as string) : `{${patterns.join(',')}}`);
}

/** A file that vanished or cannot be read between the search and the lint: forgotten, not reported. */
function unreadable(): LintFinding {
  return { ruleId: 'file-skipped', severity: 'error', message: 'Cannot read the file.', start: 0, end: 0, line: 0, column: 0, endLine: 0, endColumn: 0 };
}

async function readText(uri: vscode.Uri): Promise<string | undefined> {
  try {
    return new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
}

function positionIn(text: string, offset: number): vscode.Position {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return new vscode.Position(line, offset - (before.lastIndexOf('\n') + 1));
}
