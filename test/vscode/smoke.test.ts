// First real-editor suite: runs in the extension host of code-server (test/harness/run.mjs) or of a
// downloaded VS Code (test/runTest.ts). The workspace is a copy of demo/.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'agent-federation.agent-federation';

interface Manifest {
  main?: string;
  contributes?: { commands?: { command: string; title: string }[] };
}

function extension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this editor`);
  return ext;
}

/** package.json as it is on disk in the extension under development (not the host's parsed copy). */
function manifest(): Manifest {
  return JSON.parse(fs.readFileSync(path.join(extension().extensionPath, 'package.json'), 'utf8')) as Manifest;
}

describe('Agent Federation in a real editor', () => {
  it('opened the fixture workspace, which holds a federation', () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'no workspace folder is open');
    const personas = path.join(folder.uri.fsPath, '.federation', 'personas.json');
    assert.ok(fs.existsSync(personas), `${personas} is missing`);
  });

  it(`has the extension ${EXTENSION_ID}`, () => {
    const ext = extension();
    assert.ok(ext.packageJSON, 'the extension has no manifest');
  });

  it('activates', async function () {
    this.timeout(30_000);
    const ext = extension();
    await ext.activate();
    assert.strictEqual(ext.isActive, true);
  });

  it('registers every command contributed in package.json', async () => {
    await extension().activate();
    const contributed = (manifest().contributes?.commands ?? []).map((c) => c.command);
    assert.ok(contributed.length > 0, 'package.json contributes no commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepStrictEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });
});
