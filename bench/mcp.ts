// claim_next_task over one MCP session (the agent's way in, through `federation mcp`) next to `federation task
// claim` as a process per call (what an agent shelled out to before), in the same run on the same kind of
// workspace. Each side claims from its own queue, so neither sees the other's tasks.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { round } from './federation';
import { scratchDir } from './scratch';

const repo = path.resolve(__dirname, '..', '..');
const CLI = path.join(repo, 'dist', 'cli.js');

function workspace(tasks: number): string {
  const root = scratchDir('bench-mcp-');
  const run = (...argv: string[]) => execFileSync(process.execPath, [CLI, '--root', root, ...argv], { stdio: 'ignore' });
  run('init');
  run('persona', 'register', 'agent', '--skills', 'work');
  for (let i = 0; i < tasks; i++) run('task', 'add', `Task ${i}`, '--skills', 'work', '--priority', String(1 + (i % 9)));
  return root;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function benchMcp(): Promise<Record<string, number>> {
  const N_MCP = 200;
  const N_PROC = 40;
  const mcpRoot = workspace(N_MCP);
  const procRoot = workspace(N_PROC);

  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--root', mcpRoot, '--persona', 'agent'], stderr: 'ignore' });
  const client = new Client({ name: 'bench', version: '1' });
  const t0 = performance.now();
  await client.connect(transport);
  const startMs = performance.now() - t0;
  const mcp: number[] = [];
  for (let i = 0; i < N_MCP; i++) {
    const t = performance.now();
    const r = await client.callTool({ name: 'claim_next_task', arguments: {} });
    mcp.push(performance.now() - t);
    if (r.isError) throw new Error(`claim_next_task failed: ${JSON.stringify(r.content)}`);
  }
  await client.close();

  const proc: number[] = [];
  for (let i = 0; i < N_PROC; i++) {
    const t = performance.now();
    execFileSync(process.execPath, [CLI, '--root', procRoot, 'task', 'claim', '--persona', 'agent'], { stdio: 'ignore' });
    proc.push(performance.now() - t);
  }
  mcp.sort((a, b) => a - b);
  proc.sort((a, b) => a - b);
  return {
    mcpClaimMs_p50: round(pct(mcp, 50)),
    mcpClaimMs_p99: round(pct(mcp, 99)),
    processClaimMs_p50: round(pct(proc, 50)),
    processClaimMs_p99: round(pct(proc, 99)),
    processOverMcp_p50_ratio: round(pct(proc, 50) / pct(mcp, 50)),
    mcpSessionStartMs: round(startMs),
  };
}
