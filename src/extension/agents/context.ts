// What every agent command gets (the `agents` service of the command registry): the service (rebuilt when the
// Docker settings change), the tree, secrets, the log; and the pickers they share, which ask only for what the
// command's arguments left out.
import * as vscode from 'vscode';
import { AgentService, type AgentInfo } from '../../core/agents';
import { hasEntries } from '../../core/agents/files';
import { BRIEF_GLOB } from '../../core/brief/files';
import { dockerClientLoader } from '../../core/docker/loader';
import type { Federation } from '../../core/federation';
import type { CommandArgs } from '../commands/args';
import type { AgentsTreeProvider } from './provider';
import type { SecretStorageSource } from './secretStorage';
import { loggerFrom } from '../logger';
import type { EditorPorts } from '../ports';

export interface AgentsDeps {
  root: string;
  log: vscode.LogOutputChannel;
  fed: import('../../core/federation').Federation;
  ports: EditorPorts;
}

export interface AgentsContext {
  deps: AgentsDeps;
  service(): AgentService;
  tree: AgentsTreeProvider;
  secrets: SecretStorageSource;
  /** Output channels following an agent's log, by agent id. */
  followers: Map<string, { channel: vscode.OutputChannel; abort: AbortController }>;
}

/** The settings the service is made from. */
export function settings(): { host: string; image: string; commandTemplate: string; copyFiles: boolean } {
  const c = vscode.workspace.getConfiguration('agentFederation');
  return {
    copyFiles: c.get<boolean>('agent.copyFiles', false),
    host: c.get<string>('docker.host', '').trim(),
    image: c.get<string>('agent.image', '').trim(),
    commandTemplate: c.get<string>('agent.commandTemplate', '').trim(),
  };
}

export function makeService(deps: { root: string; fed: Federation; log: vscode.LogOutputChannel; ports: EditorPorts }): AgentService {
  const s = settings();
  const { fs, env } = deps.ports;
  return new AgentService({
    root: deps.root,
    store: deps.fed.files,
    clientFactory: dockerClientLoader(fs),
    fs,
    env,
    git: deps.ports.git,
    defaultHost: s.host || env['DOCKER_HOST'] || '',
    defaults: { ...(s.image ? { defaultImage: s.image } : {}), ...(s.commandTemplate ? { commandTemplate: s.commandTemplate } : {}) },
    logger: loggerFrom(deps.log),
    ...(s.copyFiles ? { transfer: 'volumes' as const } : {}),
  });
}

/** The agent the command is about: as given, else picked from the list (optionally filtered). */
export async function pickAgent(ctx: AgentsContext, given: string | undefined, placeHolder: string, filter: (a: AgentInfo) => boolean = () => true): Promise<string | undefined> {
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

/** Briefs named by the arguments: { briefs } from a script, an Explorer selection, a CodeLens's file, a path. */
export function briefsOf(a: CommandArgs): string[] | undefined {
  const listed = a.options()?.strings('briefs');
  if (listed) return listed;
  const files = a.uris.map((u) => u.fsPath);
  return files.length > 0 ? files : a.text !== undefined ? [a.text] : undefined;
}

/** Brief files as given (a script's list, an Explorer selection, a CodeLens's file, a path), else picked from the workspace. */
export async function pickBriefs(given: string[] | undefined, title: string): Promise<string[] | undefined> {
  if (given && given.length > 0) return given;
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
export async function hasUncollectedOutput(ctx: AgentsContext, agent: AgentInfo): Promise<boolean> {
  return !agent.collectedAt && (await hasEntries(ctx.deps.ports.fs, agent.outputDir));
}
