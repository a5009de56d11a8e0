import * as path from 'path';
import * as vscode from 'vscode';
import { FederationError } from '../../core/errors';
import { MCP_CLIENTS, type McpClient } from '../../core/mcp/clientConfig';
import { codexOverrides, expandPreset, sessionFiles, type AgentPreset } from '../../core/mcp/presets';
import { packages } from '../lazy';
import { operatorLevel } from '../settings';
import { actingPersona, pickPersona } from './common';
import { personaOf, type CommandArgs } from './args';
import { defineCommand } from './registry';

/** 'none' is a plain persona terminal; undefined asks (from the UI) or means 'none' (from a script). */
interface TerminalInput {
  persona: string | undefined;
  agent: string | undefined;
  fromUi: boolean;
}

function terminalArgs(a: CommandArgs): TerminalInput {
  return { persona: personaOf(a), agent: a.options()?.string('agent'), fromUi: a.fromUi || a.empty };
}

async function pickAgent(presets: Record<string, AgentPreset>): Promise<string | undefined> {
  const items = [
    { id: 'none', label: '$(terminal) Terminal only', description: 'the persona in the environment (FEDERATION_PERSONA), no agent started' },
    ...Object.entries(presets).map(([id, p]) => ({ id, label: `$(hubot) ${p.label}`, description: p.description ?? '', detail: p.command })),
  ];
  return (await vscode.window.showQuickPick(items, { placeHolder: 'Start an agent CLI in the terminal, with the federation as its MCP tools?' }))?.id;
}

/**
 * A terminal whose environment names the persona, for an agent CLI playing that persona; with an agent preset,
 * the agent is started in it with the persona's MCP server configured.
 */
export const openPersonaTerminal = defineCommand({
  id: 'agentFederation.openPersonaTerminal',
  needs: ['fed', 'state', 'persona', 'mcp'],
  trust: 'Opening a persona terminal',
  args: terminalArgs,
  async run(s, given) {
    const persona = await actingPersona(s, given.persona);
    if (!persona) return undefined;
    const presets = s.mcp.presets();
    const agent = given.agent ?? (given.fromUi ? await pickAgent(presets) : 'none');
    if (agent === undefined) return undefined;
    const preset = agent === 'none' ? undefined : presets[agent];
    if (agent !== 'none' && !preset) {
      throw new FederationError('not-found', `No agent preset "${agent}" (presets: ${Object.keys(presets).join(', ')}; see the agentFederation.agentPresets setting).`, { agent });
    }
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
    const terminal = vscode.window.createTerminal({
      name: preset ? `${preset.label}: ${persona}` : `Persona: ${persona}`,
      cwd: s.fed.root,
      iconPath: new vscode.ThemeIcon(preset ? 'hubot' : 'account'),
      env: { FEDERATION_PERSONA: persona, FEDERATION_ROOT: s.fed.root, FEDERATION_BOOTSTRAP: bootstrap, ...(started?.env ?? {}) },
      message: `Persona ${persona}: bootstrap package at ${bootstrap} (${pkg.manifest.included.length} files included, ${pkg.manifest.excluded.length} left out).`,
    });
    terminal.show();
    if (started) terminal.sendText(started.commandLine);
    s.log.info(`opened a terminal for ${persona}${started ? `, starting ${agent}: ${started.commandLine}` : ''}`);
    return { terminal, bootstrap, manifest: pkg.manifest, ...(started ? { agent, commandLine: started.commandLine, env: started.env } : {}) };
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
