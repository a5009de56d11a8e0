// What every agent command gets: the service (rebuilt when the Docker settings change), the tree, secrets, the
// log, and the shared helpers (argument shapes from menus, tests and the palette; one error path).
import * as vscode from 'vscode';
import { AgentService, type AgentInfo } from '../../core/agents';
import { hasEntries } from '../../core/agents/files';
import { BRIEF_GLOB } from '../../core/brief/files';
import { loadDockerClient } from '../../core/docker/loader';
import { describeError, isFederationError } from '../../core/errors';
import type { Federation } from '../../core/federation';
import { showCommandError } from '../trust';
import type { AgentsTreeProvider } from './provider';
import type { SecretStorageSource } from './secretStorage';
import { loggerFrom } from '../logger';

export interface AgentsDeps {
  root: string;
  log: vscode.LogOutputChannel;
  fed: import('../../core/federation').Federation;
}

export interface AgentsContext {
  deps: AgentsDeps;
  service(): AgentService;
  tree: AgentsTreeProvider;
  secrets: SecretStorageSource;
  /** Output channels following an agent's log, by agent id. */
  followers: Map<string, { channel: vscode.OutputChannel; abort: AbortController }>;
}

export interface AgentCommand {
  id: string;
  run(ctx: AgentsContext, ...args: unknown[]): Promise<unknown>;
}

/** The settings the service is made from. */
export function settings(): { host: string; image: string; commandTemplate: string } {
  const c = vscode.workspace.getConfiguration('agentFederation');
  return {
    host: c.get<string>('docker.host', '').trim(),
    image: c.get<string>('agent.image', '').trim(),
    commandTemplate: c.get<string>('agent.commandTemplate', '').trim(),
  };
}

export function makeService(deps: { root: string; fed: Federation; log: vscode.LogOutputChannel }): AgentService {
  const s = settings();
  return new AgentService({
    root: deps.root,
    store: deps.fed.store,
    clientFactory: loadDockerClient,
    defaultHost: s.host || process.env['DOCKER_HOST'] || '',
    defaults: { ...(s.image ? { defaultImage: s.image } : {}), ...(s.commandTemplate ? { commandTemplate: s.commandTemplate } : {}) },
    logger: loggerFrom(deps.log),
  });
}

export function register(context: vscode.ExtensionContext, ctx: AgentsContext, commands: AgentCommand[]): void {
  for (const c of commands) {
    context.subscriptions.push(
      vscode.commands.registerCommand(c.id, async (...args: unknown[]) => {
        try {
          return await c.run(ctx, ...args);
        } catch (e) {
          ctx.deps.log.error(`${c.id}: ${isFederationError(e) ? `[${e.reason}] ` : ''}${e instanceof Error && !isFederationError(e) ? e.stack ?? e.message : describeError(e)}`);
          showCommandError(c.id, e, describeError(e), ctx.deps.log);
          throw e;
        } finally {
          ctx.tree.refresh();
        }
      }),
    );
  }
}

export { requireTrust } from '../trust';

/** An agent id from a tree node ({ agentId }), a plain { id } object, or a string. */
export function agentIdFrom(arg: unknown): string | undefined {
  if (typeof arg === 'string' && arg) return arg;
  if (arg && typeof arg === 'object') {
    for (const key of ['agentId', 'id']) {
      const v = (arg as Record<string, unknown>)[key];
      if (typeof v === 'string' && v && !v.includes(':')) return v;
    }
  }
  return undefined;
}

/** The agent the command is about: from the argument, else picked from the list (optionally filtered). */
export async function pickAgent(ctx: AgentsContext, arg: unknown, placeHolder: string, filter: (a: AgentInfo) => boolean = () => true): Promise<string | undefined> {
  const given = agentIdFrom(arg);
  if (given) return given;
  const { agents } = await ctx.service().list();
  const candidates = agents.filter(filter);
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage('No agent fits.');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    candidates.map((a) => ({ label: a.id, description: a.status, detail: `${a.brief} · ${a.hostLabel}` })),
    { placeHolder },
  );
  return pick?.label;
}

/** Brief files from an explorer selection (Uri, Uri[]), else picked from the workspace. */
export async function pickBriefs(arg: unknown, arg2: unknown, title: string): Promise<string[] | undefined> {
  const uris = Array.isArray(arg2) ? arg2 : arg instanceof vscode.Uri ? [arg] : Array.isArray(arg) ? arg : [];
  const files = uris.filter((u): u is vscode.Uri => u instanceof vscode.Uri).map((u) => u.fsPath);
  if (files.length > 0) return files;
  if (typeof arg === 'string') return [arg];
  const found = await vscode.workspace.findFiles(BRIEF_GLOB, '**/{node_modules,.git,.federation}/**', 500);
  if (found.length === 0) {
    void vscode.window.showWarningMessage('No mission briefs (MISSION_BRIEF.md, *.brief.md) in this workspace.');
    return undefined;
  }
  const picks = await vscode.window.showQuickPick(
    found.map((u) => ({ label: vscode.workspace.asRelativePath(u), uri: u })).sort((a, b) => a.label.localeCompare(b.label)),
    { title, canPickMany: true, placeHolder: 'Mission briefs' },
  );
  return picks && picks.length > 0 ? picks.map((p) => p.uri.fsPath) : undefined;
}

/** Output that removing would lose: something in the folder, and never collected. */
export async function hasUncollectedOutput(agent: AgentInfo): Promise<boolean> {
  return !agent.collectedAt && (await hasEntries(agent.outputDir));
}
