// The heavy half of the language-model tools: validates the input against the core tool's schema and runs it
// on the active connection's analysis session (READ ONLY transactions with timeouts) with the workspace pgopt.json.
import { AGENT_TOOLS, parseToolInput } from '../../core/agentTools';
import type { ConnectionManager } from '../connectionManager';
import { loadWorkspacePgoptFile } from '../workspacePgoptFile';

export async function invokeAgentTool(name: string, input: unknown, manager: ConnectionManager, signal: AbortSignal): Promise<string> {
  const tool = AGENT_TOOLS.find((t) => t.name === name);
  if (!tool) throw new Error(`unknown pgopt tool ${name}`);
  const args = parseToolInput(tool, input);
  const config = await loadWorkspacePgoptFile();
  return tool.run(args as never, {
    config,
    signal,
    session: async () => {
      const active = manager.current;
      if (!active) throw new Error('No database is connected in Postgres Optimizer: connect with "Postgres Optimizer: Select Connection" (or Add Connection) first.');
      if (!active.session.alive) throw new Error(`The connection to "${active.name}" was lost (${active.session.deathReason ?? 'closed'}); reconnect with "Postgres Optimizer: Select Connection".`);
      return active.session;
    },
  });
}
