// The MCP server with the real editor: a change an agent makes through it reaches the Task Queue view through the
// file watcher, Open Persona Terminal starts an agent preset whose MCP config starts a working server (the
// extension's own dist/cli.js), and Install MCP Server writes the workspace's .vscode/mcp.json.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { EXTENSION_ID, api, root, waitForState } from './editor';

async function connect(command: string, args: string[], env?: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'editor-test', version: '1' });
  await client.connect(new StdioClientTransport({ command, args, ...(env ? { env: { ...(process.env as Record<string, string>), ...env } } : {}), stderr: 'ignore' }));
  return client;
}

describe('The MCP server with the editor', function () {
  this.timeout(30_000);

  it('a task an agent adds and claims through the MCP server shows in the Task Queue view', async () => {
    const a = await api();
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const client = await connect(process.execPath, [path.join(ext.extensionPath, 'dist', 'cli.js'), 'mcp', '--root', root(), '--persona', 'writer']);
    try {
      const title = `From an agent ${Date.now()}`;
      const added = waitForState(a, (s) => s.queue.ok && s.queue.value.tasks.some((t) => t.title === title));
      const t0 = Date.now();
      const r = await client.callTool({ name: 'add_task', arguments: { title, skills: ['docs'], priority: 3 } });
      assert.ok(!r.isError, JSON.stringify(r.content));
      const id = (r.structuredContent as { task: { id: string } }).task.id;
      await added;
      const addLatency = Date.now() - t0;
      const claimed = waitForState(a, (s) => s.queue.ok && s.queue.value.tasks.some((t) => t.id === id && t.status === 'claimed' && t.assignee === 'writer'));
      const c = await client.callTool({ name: 'claim_task', arguments: { task: id } });
      assert.ok(!c.isError, JSON.stringify(c.content));
      await claimed;
      // The view's model is built from that snapshot: the task is under Claimed, with its assignee.
      const provider = a.taskQueueTree!;
      const groups = (await provider.getChildren()) ?? [];
      const items = (await Promise.all(groups.map(async (g) => Promise.all(((await provider.getChildren(g)) ?? []).map((n) => provider.getTreeItem(n)))))).flat();
      const item = items.find((i) => (typeof i.label === 'string' ? i.label : i.label?.label) === title);
      assert.ok(item, 'the task is in the Task Queue view');
      assert.match(String(item.description ?? ''), /writer/);
      fs.writeFileSync(path.join(ext.extensionPath, 'test-results', 'mcp-watch-latency.json'), JSON.stringify({ addToViewMs: addLatency }) + '\n');
    } finally {
      await client.close();
    }
  });

  it('Open Persona Terminal with the Claude Code preset types its command; the MCP config it wrote starts a working server', async () => {
    const result = (await vscode.commands.executeCommand('agentFederation.openPersonaTerminal', { persona: 'research', agent: 'claude-code' })) as { terminal: vscode.Terminal; commandLine: string };
    try {
      const config = path.join(root(), '.federation', 'packages', 'research.mcp', 'mcp.json');
      assert.strictEqual(result.commandLine, `claude --mcp-config ${config}`);
      const entry = JSON.parse(fs.readFileSync(config, 'utf8')).mcpServers['agent-federation-research'] as { command: string; args: string[]; env?: Record<string, string> };
      const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
      assert.strictEqual(entry.args[0], path.join(ext.extensionPath, 'dist', 'cli.js'));
      const client = await connect(entry.command, entry.args, entry.env);
      try {
        const who = await client.callTool({ name: 'whoami', arguments: {} });
        assert.strictEqual((who.structuredContent as { persona: { id: string } }).persona.id, 'research');
      } finally {
        await client.close();
      }
    } finally {
      result.terminal.dispose();
    }
  });

  it('offers the persona servers to the editor exactly where its MCP API is stable (1.101+), else none', async () => {
    const a = await api();
    const [major = 0, minor = 0] = vscode.version.split('.').map(Number);
    const stable = major > 1 || minor >= 101;
    assert.strictEqual(a.mcpServerDefinitionsRegistered(), stable, `VS Code ${vscode.version}`);
    // Where the editor took none (1.100: a proposed API), the client config files are the way (the test below).
    if (!stable) assert.strictEqual(await a.mcpServerDefinitions(), undefined);
  });

  it('an unknown agent preset is refused with the presets there are', async () => {
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('agentFederation.openPersonaTerminal', { persona: 'research', agent: 'nope' })), /No agent preset "nope" \(presets: claude-code, codex/);
  });

  it('Install MCP Server for VS Code writes .vscode/mcp.json, keeping what was there', async () => {
    const file = path.join(root(), '.vscode', 'mcp.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    fs.writeFileSync(file, '{\n  // mine\n  "servers": { "other": { "type": "stdio", "command": "other-mcp" } }\n}\n');
    try {
      const r = (await vscode.commands.executeCommand('agentFederation.installMcpServer', { persona: 'writer', client: 'vscode' })) as { change: string; name: string };
      assert.strictEqual(r.change, 'added');
      const text = fs.readFileSync(file, 'utf8');
      assert.match(text, /\/\/ mine/);
      assert.match(text, /"other-mcp"/);
      assert.match(text, /"agent-federation-writer": \{\s*"type": "stdio"/);
    } finally {
      if (before === undefined) fs.rmSync(file);
      else fs.writeFileSync(file, before);
    }
  });
});
