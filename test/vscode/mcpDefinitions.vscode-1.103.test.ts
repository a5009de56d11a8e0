// The MCP server-definition API in an editor where it is stable (test/harness/run.mjs, pass "vscode-1.103":
// code-server 4.103.2). The extension offers one server per registered persona, each starting the extension's own
// dist/cli.js on the editor's Node; such a definition starts a working server bound to its persona, and the editor
// itself starts one from what it was given. (In 1.100 the API is a proposal: mcp.test.ts checks the fallback.)
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { EXTENSION_ID, api, root, waitForState } from './editor';

/** The personas registered in the workspace, read from disk (not through the extension). */
function registeredPersonas(): string[] {
  const file = path.join(root(), '.federation', 'personas.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { personas: { id: string }[] }).personas.map((p) => p.id);
}

describe('MCP server definitions in VS Code 1.103', function () {
  this.timeout(30_000);

  it('runs in the newer editor', () => {
    assert.match(vscode.version, /^1\.103\./, `this pass is for VS Code 1.103 (this is ${vscode.version})`);
  });

  it('registers one server per persona, each starting dist/cli.js mcp --root ROOT --persona ID on the editor\'s Node', async () => {
    const a = await api();
    assert.strictEqual(a.mcpServerDefinitionsRegistered(), true, 'the editor did not take the server definitions');
    const definitions = await a.mcpServerDefinitions();
    assert.ok(definitions, 'no definitions were handed to the editor');
    const personas = registeredPersonas();
    assert.ok(personas.length >= 2, `the demo workspace has personas (${personas.join(', ')})`);
    assert.deepStrictEqual(definitions.map((d) => d.persona), personas);
    const cli = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
    for (const d of definitions) {
      assert.strictEqual(d.label, `Agent Federation: ${d.persona}`);
      assert.strictEqual(d.command, process.execPath);
      assert.deepStrictEqual(d.args.slice(0, 6), [cli, 'mcp', '--root', root(), '--persona', d.persona]);
    }
  });

  it('a definition starts a server bound to its persona (whoami)', async () => {
    const a = await api();
    const d = (await a.mcpServerDefinitions())?.find((x) => x.persona === 'writer');
    assert.ok(d, 'no definition for writer');
    const client = new Client({ name: 'editor-test', version: '1' });
    await client.connect(new StdioClientTransport({ command: d.command, args: [...d.args], env: { ...(process.env as Record<string, string>), ...d.env }, stderr: 'ignore' }));
    try {
      const who = await client.callTool({ name: 'whoami', arguments: {} });
      assert.ok(!who.isError, JSON.stringify(who.content));
      assert.strictEqual((who.structuredContent as { persona: { id: string } }).persona.id, 'writer');
    } finally {
      await client.close();
    }
  });

  it('the editor starts a server from its definition: the persona\'s heartbeat arrives', async () => {
    const a = await api();
    const d = (await a.mcpServerDefinitions())?.find((x) => x.persona === 'devops');
    assert.ok(d, 'no definition for devops');
    assert.notStrictEqual(a.windowPersona(), 'devops', 'this window does not heartbeat for devops, so a beat comes from the server');
    // The editor names a server by the extension's id and the definition's label (internal to VS Code 1.103;
    // workbench.mcp.startServer is what its MCP views call). Starting it makes the server beat for devops.
    const id = `${EXTENSION_ID}/${d.label}`;
    const since = new Date().toISOString();
    const beat = waitForState(a, (s) => s.personas.ok && (s.personas.value.personas.find((p) => p.id === 'devops')?.lastHeartbeat ?? '') > since,
      15_000, `a heartbeat for devops after workbench.mcp.startServer ${JSON.stringify(id)}`);
    try {
      await vscode.commands.executeCommand('workbench.mcp.startServer', id, { autoTrustChanges: true });
      await beat;
    } finally {
      await vscode.commands.executeCommand('workbench.mcp.stopServer', id);
    }
  });
});
