// Copilot agent mode (and any chat participant) can call pgopt's database tools: the same implementations as
// `pgopt mcp` (src/core/agentTools.ts), on the active connection's read-only analysis session. Tools that query
// the database ask for confirmation first (prepareInvocation); lint needs no connection.
// This module is in the activation bundle: it only registers names; the tools themselves (zod, analyzers, the
// advisor) load with the heavy bundle on the first invocation.
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { log } from '../log';
import { LM_TOOL_PREFIX, LM_TOOLS } from './lmToolNames';

export function registerLanguageModelTools(ctx: Ctx): vscode.Disposable[] {
  const { manager } = ctx;
  if (!vscode.lm?.registerTool) return []; // a host without the language-model API
  return LM_TOOLS.map((t) =>
    vscode.lm.registerTool<Record<string, unknown>>(`${LM_TOOL_PREFIX}${t.name}`, {
      prepareInvocation: () => {
        if (!t.usesDatabase) return { invocationMessage: 'Linting migration SQL with pgopt' };
        const name = manager.current?.name ?? 'the active connection';
        return {
          invocationMessage: `pgopt: ${t.name.replace('_', ' ')} on ${name}`,
          confirmationMessages: {
            title: `Query ${name}?`,
            message: new vscode.MarkdownString(`Postgres Optimizer will ${t.what} **${name}** in a read-only transaction with timeouts (always rolled back).`),
          },
        };
      },
      invoke: async (options, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        try {
          const text = await ctx.heavy().invokeAgentTool(t.name, options.input, manager, controller.signal);
          return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(text)]);
        } catch (e) {
          log.warn(`language-model tool ${t.name}: ${(e as Error).message}`);
          // A thrown error reaches the model as the tool's failure message.
          throw new Error((e as Error).message);
        } finally {
          sub.dispose();
        }
      },
    }),
  );
}
