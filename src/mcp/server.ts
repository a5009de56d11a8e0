// `federation mcp`: the federation as an MCP server over stdio, bound to one persona. This module is the MCP
// front end's composition: it takes the application services the CLI built (CliServices) and exposes them as
// tools and resources; it is bundled on its own (dist/mcp.js) so the SDK never loads for other commands.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  ListResourcesRequestSchema,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { Readable, Writable } from 'node:stream';
import type { BriefChecker } from '../core/agents/briefCheck';
import { isFederationError } from '../core/errors';
import type { Federation } from '../core/federation';
import { PersonaPresence, requireRegisteredPersona } from '../core/federation/presence';
import type { OperatorLevel } from '../core/packages';
import type { Clock, FileSystem, Logger, Timers } from '../core/ports';
import { listResources, openHandoffs, readResource, type ResourceContext } from './resources';
import { TOOLS, type ToolContext } from './tools';
import { watchState } from './watch';

/** What the CLI's composition root hands the MCP front end. */
export interface McpServices {
  federation(): Federation;
  briefs(warn?: (message: string) => void): BriefChecker;
}

export interface McpOptions {
  root: string;
  services: McpServices;
  persona: string;
  readOnly: boolean;
  operatorLevel: OperatorLevel;
  /** Seconds between heartbeats (default 30, as the editor's setting). */
  heartbeatSeconds: number;
  fs: FileSystem;
  clock: Clock;
  timers: Timers;
  logger: Logger;
  version: string;
}

export interface FederationMcp {
  server: McpServer;
  /** Resolves when the client goes away (or close() is called); heartbeats have stopped by then. */
  closed: Promise<void>;
  close(): Promise<void>;
}

/** Builds the server for a persona (it must be registered) and connects it to the given streams. */
export async function startMcpServer(options: McpOptions, io: { input: Readable; output: Writable }): Promise<FederationMcp> {
  const fed = options.services.federation();
  await requireRegisteredPersona(fed, options.persona);

  const server = new McpServer(
    { name: 'agent-federation', title: 'Agent Federation', version: options.version },
    {
      capabilities: { resources: { subscribe: true, listChanged: true }, tools: {}, logging: {} },
      instructions: `You act as the persona "${options.persona}" of an Agent Federation. Check your tasks (list_tasks, claim_next_task), start the one you work on, take locks on shared resources, and complete, fail or hand off each task you claim.`,
    },
  );
  const subscriptions = new Set<string>();
  let lastList = '';
  const notify = async () => {
    if (!server.isConnected()) return;
    for (const uri of subscriptions) await server.server.sendResourceUpdated({ uri }).catch(() => {});
    // The list changes when a handoff arrives or one is finished; tell clients only then. (Only the handoffs are
    // compared: building the bootstrap package on every state write, heartbeats included, would walk the workspace.)
    const list = await handoffKey();
    if (list !== lastList) {
      if (lastList) server.sendResourceListChanged();
      lastList = list;
    }
  };

  const handoffKey = async () => JSON.stringify((await openHandoffs(resourceCtx).catch(() => [])).map((h) => h.document));

  const toolCtx: ToolContext = {
    fed,
    briefs: options.services.briefs((m) => options.logger.warn(m)),
    persona: options.persona,
    operatorLevel: options.operatorLevel,
    clock: options.clock,
    changed: () => void notify(),
  };
  const resourceCtx: ResourceContext = { root: options.root, fed, fs: options.fs, persona: options.persona, operatorLevel: options.operatorLevel };

  for (const tool of TOOLS) {
    if (options.readOnly && !tool.readOnly) continue;
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, inputSchema: tool.input, annotations: { readOnlyHint: tool.readOnly, destructiveHint: false, openWorldHint: false } },
      async (args: Record<string, unknown>): Promise<CallToolResult> => {
        try {
          const r = await tool.run(toolCtx, args ?? {});
          return { content: [{ type: 'text', text: r.text }], structuredContent: r.data };
        } catch (e) {
          return toolError(tool.name, e, options.logger);
        }
      },
    );
  }

  server.server.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: await listResources(resourceCtx) }));
  server.server.setRequestHandler(ReadResourceRequestSchema, async (req) => {
    const r = await readResource(resourceCtx, req.params.uri);
    return { contents: [{ uri: req.params.uri, mimeType: r.mimeType, text: r.text }] };
  });
  server.server.setRequestHandler(SubscribeRequestSchema, async (req) => {
    subscriptions.add(req.params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, async (req) => {
    subscriptions.delete(req.params.uri);
    return {};
  });

  const presence = options.readOnly
    ? undefined
    : new PersonaPresence(fed, options.persona, { intervalSeconds: options.heartbeatSeconds, logger: options.logger, timers: options.timers });
  const watcher = watchState(options.fs, options.root, () => void notify(), options.logger, fed.store);

  const transport = new StdioServerTransport(io.input, io.output);
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    presence?.stop();
    watcher.close();
    resolveClosed();
  };
  server.server.onclose = finish;
  // The stdio transport does not notice the client going away on its own: stdin's end is that signal.
  io.input.once('end', () => void server.close().finally(finish));
  io.input.once('close', () => void server.close().finally(finish));
  // A client killed mid-call leaves our answer nowhere to go (EPIPE): that is its going away, not a crash.
  io.output.on('error', () => void server.close().finally(finish));
  await server.connect(transport);
  lastList = await handoffKey();
  await presence?.start();
  return {
    server,
    closed,
    close: async () => {
      await server.close();
      finish();
    },
  };
}

/** A refusal the services gave (its reason and the sentence a person reads), or a bug, said as such. */
function toolError(tool: string, e: unknown, logger: Logger): CallToolResult {
  if (isFederationError(e)) {
    return { isError: true, content: [{ type: 'text', text: e.message }], structuredContent: { error: e.toJSON() } };
  }
  logger.error(`${tool}: unexpected error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  const message = `${tool} failed unexpectedly (a bug in federation; the server log has the details): ${e instanceof Error ? e.message : String(e)}`;
  return { isError: true, content: [{ type: 'text', text: message }], structuredContent: { error: { reason: 'internal', message, details: {} } } };
}
