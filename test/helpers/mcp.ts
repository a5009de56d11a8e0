// An MCP client (the official SDK's) driving the shipped server: `node dist/cli.js mcp` as a process, as Claude
// Code or VS Code start it from the entry `federation mcp install` writes.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { assertReleaseBuild, CLI } from './cli';

export interface McpSession {
  client: Client;
  /** The server's stderr so far (its log). */
  stderr(): string;
  /** The server process's pid. */
  pid: number | null;
  close(): Promise<void>;
  call(name: string, args?: Record<string, unknown>): Promise<ToolResult>;
}

export interface ToolResult {
  isError: boolean;
  text: string;
  data: Record<string, unknown>;
}

export async function openMcp(root: string, args: string[], env: Record<string, string> = {}): Promise<McpSession> {
  // What ships: dist/cli.js and dist/mcp.js as a release builds them, never a development build.
  assertReleaseBuild();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp', '--root', root, ...args],
    env: { ...(process.env as Record<string, string>), ...env },
    stderr: 'pipe',
  });
  let log = '';
  transport.stderr?.on('data', (d: Buffer) => (log += d.toString('utf8')));
  const client = new Client({ name: 'federation-tests', version: '1.0.0' });
  await client.connect(transport);
  return {
    client,
    stderr: () => log,
    pid: transport.pid,
    close: () => client.close(),
    async call(name, a = {}) {
      const r = await client.callTool({ name, arguments: a });
      const content = (r.content as { type: string; text?: string }[] | undefined) ?? [];
      return { isError: r.isError === true, text: content.map((c) => c.text ?? '').join('\n'), data: (r.structuredContent as Record<string, unknown> | undefined) ?? {} };
    },
  };
}
