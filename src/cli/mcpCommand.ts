// pgopt mcp: a Model Context Protocol server over stdio, so AI agents (Claude Desktop, Claude Code, Cursor,
// VS Code, …) can call pgopt's read-only database tools (src/core/agentTools.ts) and read the report.
// stdout carries only the protocol; everything else goes to stderr. The database session is opened on the
// first tool call that needs it (so lint works without one) and reopened when the connection drops.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { AGENT_TOOLS, reportText, type AgentToolContext } from '../core/agentTools';
import type { DbSession } from '../core/db/session';
import { TOOL_VERSION } from '../core/version';
import { EXIT_OK } from './cliErrors';
import { openCliSession, resolveCliConnection } from './cliConnection';
import { connectTimeoutSeconds, loadConfig, parseCommandArgs } from './cliSupport';

const HELP = `pgopt mcp — MCP server over stdio with read-only database tools for AI agents

  --url URL            database (else DATABASE_URL / PG* variables / pgpass); every query runs in a
                       READ ONLY transaction with timeouts, always rolled back
  --config FILE        pgopt.json (default ./pgopt.json when present): lint settings, analyzer thresholds
  --connect-timeout S  seconds to wait for the server (default 10)

Tools: ${AGENT_TOOLS.map((t) => t.name).join(', ')}. Resource: pgopt://report (the full report).
Without a database the lint_migration tool still works; the others say how to connect.
Client configuration: docs/mcp.md.`;

export async function runMcp(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    {
      args: argv,
      options: {
        url: { type: 'string' },
        config: { type: 'string' },
        'connect-timeout': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    },
    HELP,
  );
  if (!parsed) return EXIT_OK;
  const { values } = parsed;
  const timeoutS = connectTimeoutSeconds(values['connect-timeout']);
  const config = loadConfig(values.config);
  // A malformed --url is a start-up error (exit 2); "no database at all" is fine until a tool needs one.
  let connectionError: string | undefined;
  try {
    resolveCliConnection(values.url);
  } catch (e) {
    if (values.url) throw e;
    connectionError = (e as Error).message;
  }

  let session: DbSession | undefined;
  let opening: Promise<DbSession> | undefined;
  const getSession = async (): Promise<DbSession> => {
    if (connectionError) throw new Error(connectionError);
    if (session?.alive) return session;
    session = undefined;
    opening ??= openCliSession(values.url, config, timeoutS).finally(() => {
      opening = undefined;
    });
    session = await opening;
    return session;
  };
  const context = (signal: AbortSignal | undefined): AgentToolContext => ({ session: getSession, config, ...(signal ? { signal } : {}) });

  const server = new McpServer({ name: 'pgopt', title: 'Postgres Optimizer', version: TOOL_VERSION });
  for (const t of AGENT_TOOLS) {
    server.registerTool(
      t.name,
      {
        title: t.title,
        description: t.description,
        inputSchema: t.input.shape,
        annotations: { title: t.title, readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      },
      async (args: Record<string, unknown>, extra: { signal: AbortSignal }) => {
        // Errors become tool results with isError (the SDK does that for a throw); the server keeps running.
        const text = await t.run(args as never, context(extra.signal));
        return { content: [{ type: 'text' as const, text }] };
      },
    );
  }
  server.registerResource(
    'report',
    'pgopt://report',
    { title: 'Postgres Optimizer report', description: 'Every analyzer (health, indexes, queries, connections, caching, constraints, integrity) on the connected database, as text. Read-only; takes a few seconds.', mimeType: 'text/plain' },
    async (uri, extra) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: await reportText(context(extra.signal)) }] }),
  );

  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await server.connect(transport);
  process.stderr.write(`pgopt mcp ${TOOL_VERSION}: serving ${AGENT_TOOLS.length} tools on stdio${connectionError ? ' (no database configured: only lint_migration works)' : ''}\n`);
  await closed;
  await server.close().catch(() => undefined);
  await session?.close();
  return EXIT_OK;
}
