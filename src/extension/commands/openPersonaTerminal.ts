import * as path from 'path';
import * as vscode from 'vscode';
import { FederationError } from '../../core/errors';
import { MCP_CLIENTS, type McpClient } from '../../core/mcp/clientConfig';
import { codexOverrides, expandPreset, sessionFiles, type AgentPreset } from '../../core/mcp/presets';
import { packages } from '../lazy';
import { operatorLevel } from '../settings';
import type { Task, TaskWorktree } from '../../core/federation/state/schemas';
import { liveWorktreeOf } from '../models/taskQueueModel';
import { actingPersona, pickPersona, tasks } from './common';
import { personaOf, taskIdOf, type CommandArgs } from './args';
import { defineCommand, type Services } from './registry';
import { HELD, hasWorktree, worktreeTask } from './worktrees';

/** 'none' is a plain persona terminal; undefined asks (from the UI) or means 'none' (from a script). */
interface TerminalInput {
  persona: string | undefined;
  /** The task whose worktree the terminal opens in (a Task Queue node, { taskId }). */
  taskId: string | undefined;
  agent: string | undefined;
  fromUi: boolean;
}

function terminalArgs(a: CommandArgs): TerminalInput {
  return { persona: personaOf(a), taskId: a.node('task')?.taskId ?? a.options()?.string('taskId'), agent: a.options()?.string('agent'), fromUi: a.fromUi || a.empty };
}

async function pickAgent(presets: Record<string, AgentPreset>): Promise<string | undefined> {
  const items = [
    { id: 'none', label: '$(terminal) Terminal only', description: 'the persona in the environment (FEDERATION_PERSONA), no agent started' },
    ...Object.entries(presets).map(([id, p]) => ({ id, label: `$(hubot) ${p.label}`, description: p.description ?? '', detail: p.command })),
  ];
  return (await vscode.window.showQuickPick(items, { placeHolder: 'Start an agent CLI in the terminal, with the federation as its MCP tools?' }))?.id;
}

/**
 * The task whose worktree a persona's terminal opens in: the one given, else the one the persona holds with a live
 * worktree (asked from the UI when it holds several, else the one it touched last); none: the workspace.
 */
async function terminalTask(s: Pick<Services, 'state'>, persona: string, given: TerminalInput): Promise<Task | undefined> {
  const all = await tasks(s);
  if (given.taskId) {
    const task = all.find((t) => t.id === given.taskId);
    if (!task) throw new FederationError('not-found', `No task ${given.taskId} in the queue.`, { task: given.taskId });
    return task;
  }
  const held = all.filter((t) => t.assignee === persona && HELD.has(t.status) && hasWorktree(t)).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  if (held.length > 1 && given.fromUi) {
    const items = held.map((t) => ({ label: t.id, description: t.title, detail: liveWorktreeOf(t)!.path, task: t }));
    return (await vscode.window.showQuickPick(items, { placeHolder: `${persona} holds several tasks with worktrees: which one's?` }))?.task;
  }
  return held[0];
}

/** The folder to work in: the worktree's copy of the workspace folder (the federation root may be below the repository's top). */
async function worktreeFolder(s: Pick<Services, 'fed' | 'ports'>, taskId: string, wt: TaskWorktree): Promise<string> {
  if (!(await s.ports.fs.stat(wt.path).catch(() => undefined))?.isDirectory()) {
    throw new FederationError('not-found', `${taskId}'s worktree ${wt.path} is missing (removed outside the federation?); \`federation worktree prune\` tidies the record away.`, { task: taskId, path: wt.path });
  }
  const { top } = await s.fed.worktrees().repo();
  // git names the top with links resolved; the workspace's path may not be.
  const rel = path.relative(await s.ports.fs.realpath(top), await s.ports.fs.realpath(s.fed.root));
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return wt.path;
  const sub = path.join(wt.path, rel);
  return (await s.ports.fs.stat(sub).catch(() => undefined))?.isDirectory() ? sub : wt.path;
}

type TerminalServices = Pick<Services, 'fed' | 'state' | 'persona' | 'mcp' | 'log' | 'ports'>;

/**
 * A terminal whose environment names the persona, for an agent CLI playing that persona; in the task's worktree
 * when it has one (FEDERATION_WORKTREE, FEDERATION_PORT_BASE, FEDERATION_TASK; FEDERATION_ROOT keeps the CLI on the
 * workspace's federation); with an agent preset, the agent is started in it with the persona's MCP server configured.
 */
async function openTerminal(s: TerminalServices, persona: string, task: Task | undefined, given: TerminalInput) {
  const presets = s.mcp.presets();
  const agent = given.agent ?? (given.fromUi ? await pickAgent(presets) : 'none');
  if (agent === undefined) return undefined;
  const preset = agent === 'none' ? undefined : presets[agent];
  if (agent !== 'none' && !preset) {
    throw new FederationError('not-found', `No agent preset "${agent}" (presets: ${Object.keys(presets).join(', ')}; see the agentFederation.agentPresets setting).`, { agent });
  }
  const wt = task ? liveWorktreeOf(task) : undefined;
  const cwd = wt ? await worktreeFolder(s, task!.id, wt) : s.fed.root;
  // The terminal's agent gets the persona's scope (skills, tasks, handoffs) as a bootstrap package, nothing above C1.
  const { buildPackage, writePackage } = packages();
  const pkg = await buildPackage({ consumer: 'parallel-terminal', persona, operatorLevel: operatorLevel(), root: s.fed.root, disk: s.ports.fs });
  const dir = s.fed.store.pathOf(`packages/${persona}`);
  await writePackage(s.ports.fs, pkg, dir);
  const bootstrap = path.join(dir, 'BOOTSTRAP.md');

  let started: { commandLine: string; env: Record<string, string> } | undefined;
  if (preset) {
    const launch = s.mcp.launch(persona);
    // Written beside the package, fresh each time: they name this extension's CLI, which moves on update.
    const files = sessionFiles(persona, launch);
    const mcpDir = s.fed.store.pathOf(`packages/${persona}.mcp`);
    await vscode.workspace.fs.createDirectory(vscode.Uri.file(mcpDir));
    const mcpJson = path.join(mcpDir, 'mcp.json');
    const opencodeConfig = path.join(mcpDir, 'opencode.json');
    await vscode.workspace.fs.writeFile(vscode.Uri.file(mcpJson), Buffer.from(files.mcpJson));
    await vscode.workspace.fs.writeFile(vscode.Uri.file(opencodeConfig), Buffer.from(files.opencodeConfig));
    if (preset.install) {
      if (!(MCP_CLIENTS as readonly string[]).includes(preset.install)) throw new FederationError('invalid-input', `agent preset "${agent}": install names no known client (${MCP_CLIENTS.join(', ')}).`, { agent });
      await s.mcp.install(preset.install as McpClient, persona);
    }
    started = expandPreset(agent, preset, {
      persona, root: s.fed.root, bootstrap, mcpJson, opencodeConfig, codexConfig: codexOverrides(persona, launch), server: `agent-federation-${persona}`,
    });
  }
  const env: Record<string, string> = {
    FEDERATION_PERSONA: persona,
    FEDERATION_ROOT: s.fed.root,
    FEDERATION_BOOTSTRAP: bootstrap,
    ...(task ? { FEDERATION_TASK: task.id } : {}),
    ...(wt ? { FEDERATION_WORKTREE: wt.path } : {}),
    ...(wt?.portBase !== undefined ? { FEDERATION_PORT_BASE: String(wt.portBase) } : {}),
    ...(started?.env ?? {}),
  };
  const where = wt ? ` in ${task!.id}'s worktree ${cwd} (${wt.branch})` : '';
  const terminal = vscode.window.createTerminal({
    name: `${preset ? `${preset.label}: ${persona}` : `Persona: ${persona}`}${task ? ` · ${task.id}` : ''}`,
    cwd,
    iconPath: new vscode.ThemeIcon(preset ? 'hubot' : wt ? 'git-branch' : 'account'),
    env,
    message: `Persona ${persona}${where}: bootstrap package at ${bootstrap} (${pkg.manifest.included.length} files included, ${pkg.manifest.excluded.length} left out).`,
  });
  terminal.show();
  if (started) terminal.sendText(started.commandLine);
  s.log.info(`opened a terminal for ${persona}${where}${started ? `, starting ${agent}: ${started.commandLine}` : ''}`);
  return { terminal, cwd, env, bootstrap, manifest: pkg.manifest, ...(task ? { task: task.id } : {}), ...(started ? { agent, commandLine: started.commandLine } : {}) };
}

/** A persona's terminal: in the worktree of the task it holds, if that has one (see openTerminal). */
export const openPersonaTerminal = defineCommand({
  id: 'agentFederation.openPersonaTerminal',
  needs: ['fed', 'state', 'persona', 'mcp'],
  trust: 'Opening a persona terminal',
  args: terminalArgs,
  async run(s, given) {
    const persona = await actingPersona(s, given.persona);
    if (!persona) return undefined;
    return openTerminal(s, persona, await terminalTask(s, persona, given), given);
  },
});

/**
 * A terminal in a task's worktree (the Task Queue's context menu), as the persona that holds the task, else this
 * window's. From a node, a string, or { taskId, persona?, agent? }.
 */
export const openTaskTerminal = defineCommand({
  id: 'agentFederation.openTaskTerminal',
  needs: ['fed', 'state', 'persona', 'mcp'],
  trust: "Opening a terminal in a task's worktree",
  args: (a) => ({ ...terminalArgs(a), persona: a.options()?.string('persona'), taskId: taskIdOf(a) }),
  async run(s, given) {
    const target = await worktreeTask(s, given.taskId, () => true, 'Task whose worktree to open a terminal in');
    if (!target) return undefined;
    if (!target.task) throw new FederationError('not-found', `No task ${target.id} in the queue.`, { task: target.id });
    const wt = liveWorktreeOf(target.task);
    if (!wt) throw new FederationError('not-found', `${target.id} has no worktree (worktrees.enabled in .federation/config.yaml makes one when it is claimed).`, { task: target.id });
    const holder = HELD.has(target.task.status) ? (target.task.assignee ?? undefined) : undefined;
    const persona = given.persona ?? holder ?? (await actingPersona(s));
    if (!persona) return undefined;
    return openTerminal(s, persona, target.task, given);
  },
});

const CLIENT_LABELS: Record<McpClient, string> = {
  'claude-code': 'Claude Code (.mcp.json)',
  vscode: 'VS Code (.vscode/mcp.json)',
  cursor: 'Cursor (.cursor/mcp.json)',
  gemini: 'Gemini CLI (.gemini/settings.json)',
  codex: 'Codex (~/.codex/config.toml)',
};

/** Writes the persona's MCP server into an agent client's config file (where the editor's MCP API does not reach). */
export const installMcpServer = defineCommand({
  id: 'agentFederation.installMcpServer',
  needs: ['fed', 'state', 'mcp'],
  args: (a) => ({ persona: personaOf(a), client: a.options()?.string('client') }),
  async run(s, given) {
    const client = given.client ?? (await vscode.window.showQuickPick(MCP_CLIENTS.map((c) => ({ label: CLIENT_LABELS[c], id: c })), { placeHolder: 'Which agent client gets the federation as MCP tools?' }))?.id;
    if (!client) return undefined;
    if (!(MCP_CLIENTS as readonly string[]).includes(client)) throw new FederationError('invalid-input', `No MCP client "${client}" (${MCP_CLIENTS.join(', ')}).`, { client });
    const persona = given.persona ?? (await pickPersona(s, 'The persona the server acts as'));
    if (!persona) return undefined;
    const result = await s.mcp.install(client as McpClient, persona);
    const said = { created: 'Created', added: 'Added to', updated: 'Updated in', unchanged: 'Already in' }[result.change];
    void vscode.window.showInformationMessage(`${said} ${result.file}: the MCP server "${result.name}".`);
    s.log.info(`MCP server ${result.name}: ${result.change} in ${result.file}`);
    return result;
  },
});
