// Agent presets: the table, the user's overrides over it, and placeholders filled in shell-safely.
import * as assert from 'node:assert/strict';
import { codexOverrides, DEFAULT_PRESETS, effectivePresets, expandPreset, sessionFiles, shellQuote } from '../../../src/core/mcp/presets';

const launch = { command: '/opt/node', args: ['/ext/dist/cli.js', 'mcp', '--root', '/my ws', '--persona', 'research'] };
const values = {
  persona: 'research', root: '/my ws', bootstrap: '/my ws/.federation/packages/research/BOOTSTRAP.md', mcpJson: '/my ws/.federation/packages/research.mcp/mcp.json',
  opencodeConfig: '/my ws/.federation/packages/research.mcp/opencode.json', codexConfig: codexOverrides('research', launch), server: 'agent-federation-research',
};

describe('agent presets', () => {
  it('ships Claude Code, Codex, Gemini CLI, opencode and aider', () => {
    assert.deepEqual(Object.keys(DEFAULT_PRESETS).sort(), ['aider', 'claude-code', 'codex', 'gemini', 'opencode']);
  });

  it('user entries add, replace and (null) remove presets; one without a command is ignored', () => {
    const p = effectivePresets({ aider: null, 'claude-code': { label: 'Claude (yolo)', command: 'claude --dangerously-skip-permissions --mcp-config ${mcpJson}' }, mine: { label: '', command: 'my-agent' }, broken: { label: 'x', command: ' ' } });
    assert.equal(p['aider'], undefined);
    assert.match(p['claude-code']!.command, /skip-permissions/);
    assert.equal(p['mine']!.label, 'mine');
    assert.equal(p['broken'], undefined);
  });

  it('fills placeholders, quoting paths with spaces; Codex gets its -c overrides as separate words', () => {
    assert.equal(expandPreset('claude-code', DEFAULT_PRESETS['claude-code']!, values).commandLine, "claude --mcp-config '/my ws/.federation/packages/research.mcp/mcp.json'");
    const codex = expandPreset('codex', DEFAULT_PRESETS['codex']!, values).commandLine;
    assert.equal(codex, `codex -c 'mcp_servers.agent-federation-research.command="/opt/node"' -c 'mcp_servers.agent-federation-research.args=["/ext/dist/cli.js","mcp","--root","/my ws","--persona","research"]'`);
    const oc = expandPreset('opencode', DEFAULT_PRESETS['opencode']!, values);
    assert.deepEqual(oc.env, { OPENCODE_CONFIG: '/my ws/.federation/packages/research.mcp/opencode.json' }, 'environment values are not shell-quoted');
  });

  it('an unknown placeholder is an error naming it', () => {
    assert.throws(() => expandPreset('mine', { label: 'm', command: 'x ${mcpjson}' }, values), (e: Error & { reason?: string }) => e.reason === 'invalid-input' && /unknown placeholder \$\{mcpjson\}/.test(e.message));
  });

  it('shellQuote leaves safe words bare and quotes the rest, single quotes included', () => {
    assert.equal(shellQuote('/a/b-c_d.json'), '/a/b-c_d.json');
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    assert.equal(shellQuote('$(rm -rf /)'), `'$(rm -rf /)'`);
  });

  it('session files: the mcpServers format and opencode\'s, both naming this launch', () => {
    const f = sessionFiles('research', { ...launch, env: { ELECTRON_RUN_AS_NODE: '1' } });
    assert.deepEqual(JSON.parse(f.mcpJson).mcpServers['agent-federation-research'], { command: '/opt/node', args: launch.args, env: { ELECTRON_RUN_AS_NODE: '1' } });
    const oc = JSON.parse(f.opencodeConfig).mcp['agent-federation-research'];
    assert.deepEqual(oc.command, ['/opt/node', ...launch.args]);
    assert.equal(oc.type, 'local');
  });
});
