// The MCP client config writers against the files people already have: other servers, comments and formatting
// kept; an entry of the same name replaced; a file that is not its format refused with where, and left alone.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { installServer, installTarget, mergeToml, serverName } from '../../../src/core/mcp/clientConfig';
import { nodeFileSystem } from '../../../src/node/fs';
import { CLI, cliIn } from '../../helpers/cli';
import { useTempDir } from '../../helpers/tmp';

const launch = { command: '/usr/bin/node', args: ['/opt/af/dist/cli.js', 'mcp', '--root', '/ws', '--persona', 'research'] };

describe('MCP client configs', () => {
  const tmp = useTempDir('fed-mcpcfg-');

  it('Claude Code .mcp.json: a new file, then merged beside another server, then updated in place, then unchanged', async () => {
    const target = installTarget('claude-code', tmp.path, {});
    assert.equal(target.file, path.join(tmp.path, '.mcp.json'));
    assert.equal((await installServer(nodeFileSystem, target, 'agent-federation-research', launch)).change, 'created');
    const other = { mcpServers: { github: { command: 'gh-mcp', args: ['--stdio'], env: { TOKEN: 'x' } }, 'agent-federation-research': { command: 'old', args: [] } } };
    writeFileSync(target.file, JSON.stringify(other, null, 4) + '\n');
    assert.equal((await installServer(nodeFileSystem, target, 'agent-federation-research', launch)).change, 'updated');
    const after = JSON.parse(readFileSync(target.file, 'utf8'));
    assert.deepEqual(after.mcpServers.github, other.mcpServers.github, 'the other server is untouched');
    assert.deepEqual(after.mcpServers['agent-federation-research'], { command: launch.command, args: launch.args });
    assert.match(readFileSync(target.file, 'utf8'), /^ {4}"mcpServers"/m, 'its indentation is kept');
    assert.equal((await installServer(nodeFileSystem, target, 'agent-federation-research', launch)).change, 'unchanged');
    assert.equal((await installServer(nodeFileSystem, target, 'agent-federation-writer', { ...launch, args: [...launch.args.slice(0, -1), 'writer'] })).change, 'added');
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(target.file, 'utf8')).mcpServers).sort(), ['agent-federation-research', 'agent-federation-writer', 'github']);
  });

  it('VS Code .vscode/mcp.json keeps its comments and names the stdio transport', async () => {
    const target = installTarget('vscode', tmp.path, {});
    mkdirSync(path.dirname(target.file));
    const before = '{\n  // my servers\n  "servers": {\n    "fs": { "type": "stdio", "command": "fs-mcp" }, // keep me\n  },\n  "inputs": []\n}\n';
    writeFileSync(target.file, before);
    assert.equal((await installServer(nodeFileSystem, target, 'agent-federation-research', launch)).change, 'added');
    const text = readFileSync(target.file, 'utf8');
    assert.match(text, /\/\/ my servers/);
    assert.match(text, /\/\/ keep me/);
    assert.match(text, /"inputs": \[\]/);
    assert.match(text, /"agent-federation-research": \{\s*"type": "stdio",\s*"command": "\/usr\/bin\/node"/);
  });

  it('a file that is not JSON, or whose servers are not an object, is refused with where; nothing is written', async () => {
    const target = installTarget('cursor', tmp.path, {});
    mkdirSync(path.dirname(target.file));
    for (const [text, where] of [['{\n  "mcpServers": {\n    "a": { "command": "x" \n  }\n', /mcp\.json:\d+:\d+: not valid JSON/], ['{ "mcpServers": [] }', /"mcpServers" is not an object/], ['[1]', /top level is not a JSON object/]] as const) {
      writeFileSync(target.file, text);
      await assert.rejects(installServer(nodeFileSystem, target, 'agent-federation-research', launch), (e: Error & { reason?: string }) => e.reason === 'invalid-input' && where.test(e.message));
      assert.equal(readFileSync(target.file, 'utf8'), text, 'left as it was');
    }
  });

  it('Codex config.toml: other tables and comments kept, our table (and its env subtable) replaced, not duplicated', async () => {
    const target = installTarget('codex', tmp.path, { CODEX_HOME: path.join(tmp.path, 'codex') });
    assert.equal(target.file, path.join(tmp.path, 'codex', 'config.toml'));
    assert.equal(installTarget('codex', tmp.path, { HOME: '/home/u' }).file, '/home/u/.codex/config.toml');
    const before = [
      'model = "o4"  # my model',
      '',
      '[mcp_servers.github]',
      'command = "gh-mcp"',
      '',
      '[mcp_servers.agent-federation-research]',
      'command = "old"',
      'args = []',
      '',
      '[mcp_servers.agent-federation-research.env]',
      'X = "1"',
      '',
      '[profiles.fast]',
      'model = "o4-mini"',
      '',
    ].join('\n');
    const { text, existed } = mergeToml(before, target, 'agent-federation-research', { ...launch, env: { ELECTRON_RUN_AS_NODE: '1' } });
    assert.equal(existed, true);
    assert.equal(text.match(/\[mcp_servers\.agent-federation-research\]/g)!.length, 1);
    assert.match(text, /model = "o4" {2}# my model/);
    assert.match(text, /\[mcp_servers\.github\]\ncommand = "gh-mcp"/);
    assert.match(text, /\[profiles\.fast\]\nmodel = "o4-mini"/);
    assert.match(text, /\[mcp_servers\.agent-federation-research\]\ncommand = "\/usr\/bin\/node"\nargs = \["\/opt\/af\/dist\/cli\.js", "mcp", "--root", "\/ws", "--persona", "research"\]\n\n\[mcp_servers\.agent-federation-research\.env\]\nELECTRON_RUN_AS_NODE = "1"/);
    assert.doesNotMatch(text, /X = "1"/);
    assert.equal(mergeToml(text, target, 'agent-federation-research', { ...launch, env: { ELECTRON_RUN_AS_NODE: '1' } }).text, text, 'idempotent');
    const fresh = mergeToml('', target, 'agent-federation', launch).text;
    assert.equal(fresh, '[mcp_servers.agent-federation]\ncommand = "/usr/bin/node"\nargs = ["/opt/af/dist/cli.js", "mcp", "--root", "/ws", "--persona", "research"]\n');
  });

  it('serverName: one entry per persona', () => {
    assert.equal(serverName('research'), 'agent-federation-research');
    assert.equal(serverName(undefined), 'agent-federation');
  });

  it('`federation mcp install` writes an entry that starts this very CLI from any folder with nothing on PATH', async function () {
    this.timeout(30_000);
    const cli = cliIn(() => tmp.path);
    assert.equal((await cli('init')).code, 0);
    assert.equal((await cli('persona', 'register', 'research', '--skills', 'research')).code, 0);
    const r = await cli('mcp', 'install', '--client', 'claude-code', '--persona', 'research', '--json');
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).change, 'created');
    const entry = JSON.parse(readFileSync(path.join(tmp.path, '.mcp.json'), 'utf8')).mcpServers['agent-federation-research'];
    assert.equal(entry.command, process.execPath);
    assert.deepEqual(entry.args, [CLI, 'mcp', '--root', tmp.path, '--persona', 'research']);
    const transport = new StdioClientTransport({ command: entry.command, args: entry.args, cwd: '/', env: { PATH: '' } });
    const client = new Client({ name: 'as-claude-code', version: '1' });
    await client.connect(transport);
    try {
      const who = await client.callTool({ name: 'whoami', arguments: {} });
      assert.equal((who.structuredContent as { persona: { id: string } }).persona.id, 'research');
    } finally {
      await client.close();
    }
    const again = await cli('mcp', 'install', '--client', 'claude-code', '--persona', 'research');
    assert.equal(again.code, 0);
    assert.match(again.out, /Already in/);
  });
});
