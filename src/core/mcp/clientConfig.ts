// Writing the federation's MCP server into an agent client's own configuration: Claude Code's .mcp.json, VS
// Code's .vscode/mcp.json, Cursor's .cursor/mcp.json, Gemini CLI's .gemini/settings.json (all JSON with comments
// allowed), Codex's config.toml. Each
// writer merges one entry into what is there: other servers, comments and formatting stay as they were, and a
// file that cannot be read as its format is refused (what and where), never overwritten.
import * as path from 'node:path';
import { applyEdits, modify, parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { FederationError } from '../errors';
import type { Environment, FileSystem } from '../ports';

export const MCP_CLIENTS = ['claude-code', 'codex', 'vscode', 'cursor', 'gemini'] as const;
export type McpClient = (typeof MCP_CLIENTS)[number];

/** How a client starts the server: an absolute program, its arguments, and environment it needs. */
export interface ServerLaunch {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

export interface InstallTarget {
  client: McpClient;
  /** The file the entry goes to. */
  file: string;
  /** Where the server entries live in it (JSON: the object key; TOML: the table prefix). */
  key: string;
}

/** The config file each client reads: in the workspace for the editors and Claude Code, in CODEX_HOME for Codex. */
export function installTarget(client: McpClient, root: string, env: Environment): InstallTarget {
  switch (client) {
    case 'claude-code':
      return { client, file: path.join(root, '.mcp.json'), key: 'mcpServers' };
    case 'vscode':
      return { client, file: path.join(root, '.vscode', 'mcp.json'), key: 'servers' };
    case 'cursor':
      return { client, file: path.join(root, '.cursor', 'mcp.json'), key: 'mcpServers' };
    case 'gemini':
      return { client, file: path.join(root, '.gemini', 'settings.json'), key: 'mcpServers' };
    case 'codex': {
      const home = env['CODEX_HOME'] || path.join(env['HOME'] || env['USERPROFILE'] || '', '.codex');
      return { client, file: path.join(home, 'config.toml'), key: 'mcp_servers' };
    }
  }
}

/** The entry's name: one per persona, so several personas' servers sit side by side in one file. */
export function serverName(persona: string | undefined): string {
  return persona ? `agent-federation-${persona}` : 'agent-federation';
}

export interface InstallResult {
  file: string;
  name: string;
  /** 'created': no file before; 'added': a new entry; 'updated': an entry of this name replaced; 'unchanged'. */
  change: 'created' | 'added' | 'updated' | 'unchanged';
}

export async function installServer(fs: FileSystem, target: InstallTarget, name: string, launch: ServerLaunch): Promise<InstallResult> {
  const before = await fs.readFile(target.file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw new FederationError('invalid-input', `${target.file} cannot be read: ${e.message}`, { file: target.file });
  });
  const { text, existed } = target.client === 'codex' ? mergeToml(before ?? '', target, name, launch) : mergeJson(before ?? '', target, name, launch);
  const change: InstallResult['change'] = before === undefined ? 'created' : text === before ? 'unchanged' : existed ? 'updated' : 'added';
  if (change !== 'unchanged') {
    await fs.mkdir(path.dirname(target.file), { recursive: true });
    // Replace in one step (write beside, rename over): a crash mid-write leaves the old file, not half of one.
    const tmp = `${target.file}.${Math.random().toString(36).slice(2, 10)}.tmp`;
    await fs.writeFile(tmp, text);
    await fs.rename(tmp, target.file);
  }
  return { file: target.file, name, change };
}

function jsonEntry(target: InstallTarget, launch: ServerLaunch): Record<string, unknown> {
  // VS Code's mcp.json names the transport; Claude Code and Cursor infer stdio from `command`.
  return { ...(target.client === 'vscode' ? { type: 'stdio' } : {}), command: launch.command, args: launch.args, ...(launch.env && Object.keys(launch.env).length ? { env: launch.env } : {}) };
}

export function mergeJson(before: string, target: InstallTarget, name: string, launch: ServerLaunch): { text: string; existed: boolean } {
  const errors: ParseError[] = [];
  const value: unknown = before.trim() ? parse(before, errors, { allowTrailingComma: true, disallowComments: false }) : {};
  if (errors.length) {
    const at = lineCol(before, errors[0]!.offset);
    throw new FederationError('invalid-input', `${target.file}:${at.line}:${at.column}: not valid JSON (${printParseErrorCode(errors[0]!.error)}); fix it or move it away, nothing was written.`, { file: target.file, line: at.line, column: at.column });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FederationError('invalid-input', `${target.file}: the top level is not a JSON object; nothing was written.`, { file: target.file });
  }
  const servers = (value as Record<string, unknown>)[target.key];
  if (servers !== undefined && (typeof servers !== 'object' || servers === null || Array.isArray(servers))) {
    throw new FederationError('invalid-input', `${target.file}: "${target.key}" is not an object; nothing was written.`, { file: target.file, field: target.key });
  }
  const existed = !!servers && Object.hasOwn(servers, name);
  const base = before.trim() ? before : '{}\n';
  const edits = modify(base, [target.key, name], jsonEntry(target, launch), { formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' } });
  let text = applyEdits(base, edits);
  if (!text.endsWith('\n')) text += '\n';
  return { text, existed };
}

/** Basic strings: JSON's escapes are TOML's (\", \\, \n, \uXXXX). */
function tomlString(s: string): string {
  return JSON.stringify(s);
}

export function mergeToml(before: string, target: InstallTarget, name: string, launch: ServerLaunch): { text: string; existed: boolean } {
  const table = `${target.key}.${name}`;
  const lines = before.split('\n');
  const headerOf = (l: string) => /^\s*\[\s*([^\][]+?)\s*\]\s*(#.*)?$/.exec(l)?.[1]?.replace(/"([^"]*)"/g, '$1');
  // The entry's own table and its subtables ([mcp_servers.NAME.env]) are replaced; everything else is kept.
  const ours = (h: string | undefined) => h !== undefined && (h === table || h.startsWith(`${table}.`));
  const kept: string[] = [];
  let inOurs = false;
  let existed = false;
  let at = -1;
  for (const l of lines) {
    const h = headerOf(l);
    if (h !== undefined) inOurs = ours(h);
    if (/^\s*\[\[/.test(l)) inOurs = false;
    if (inOurs) {
      if (at < 0) at = kept.length;
      existed = true;
      continue;
    }
    kept.push(l);
  }
  const block = [
    `[${table}]`,
    `command = ${tomlString(launch.command)}`,
    `args = [${launch.args.map(tomlString).join(', ')}]`,
    ...(launch.env && Object.keys(launch.env).length ? ['', `[${table}.env]`, ...Object.entries(launch.env).map(([k, v]) => `${/^[A-Za-z0-9_-]+$/.test(k) ? k : tomlString(k)} = ${tomlString(v)}`)] : []),
    '',
  ];
  if (at >= 0) kept.splice(at, 0, ...block);
  else {
    while (kept.length && kept[kept.length - 1] === '') kept.pop();
    if (kept.length) kept.push('');
    kept.push(...block);
  }
  let text = kept.join('\n');
  if (!text.endsWith('\n')) text += '\n';
  text = text.replace(/\n{3,}/g, '\n\n');
  return { text, existed };
}

function lineCol(text: string, offset: number): { line: number; column: number } {
  const upTo = text.slice(0, offset).split('\n');
  return { line: upTo.length, column: upTo[upTo.length - 1]!.length + 1 };
}
