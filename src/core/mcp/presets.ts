// Agent presets: how Open Persona Terminal starts an agent CLI for a persona with the federation's MCP server
// configured. One table (docs/mcp.md shows it; users override entries in the agentFederation.agentPresets setting);
// each preset is a command line with placeholders, the environment it needs, and, for a CLI that reads its MCP
// servers only from a config file of the workspace, which client config to write first.
import { FederationError } from '../errors';
import { serverName, type McpClient, type ServerLaunch } from './clientConfig';

export interface AgentPreset {
  label: string;
  /** The command line typed into the persona terminal; ${…} placeholders are filled in (see PLACEHOLDERS). */
  command: string;
  /** Extra environment for the terminal (values may use the placeholders too). */
  env?: Record<string, string>;
  /** A client whose workspace config gets the server entry before the command runs (for a CLI without a flag). */
  install?: McpClient;
  /** Shown next to the label. */
  description?: string;
}

export const PLACEHOLDERS = {
  persona: 'the persona id',
  root: 'the workspace folder',
  bootstrap: "the persona's BOOTSTRAP.md",
  mcpJson: 'an MCP config file for this persona, in the mcpServers format (Claude Code, Cursor, Gemini CLI)',
  opencodeConfig: "an opencode config file holding this persona's server",
  codexConfig: "Codex's -c overrides that add this persona's server",
  server: 'the server entry name (agent-federation-PERSONA)',
} as const;
export type Placeholder = keyof typeof PLACEHOLDERS;

export const DEFAULT_PRESETS: Record<string, AgentPreset> = {
  'claude-code': { label: 'Claude Code', command: 'claude --mcp-config ${mcpJson}', description: 'the server from a per-persona --mcp-config file' },
  codex: { label: 'Codex', command: 'codex ${codexConfig}', description: 'the server as -c config overrides; nothing written to ~/.codex' },
  gemini: { label: 'Gemini CLI', command: 'gemini', install: 'gemini', description: 'the server written into .gemini/settings.json' },
  opencode: { label: 'opencode', command: 'opencode', env: { OPENCODE_CONFIG: '${opencodeConfig}' }, description: 'the server in an OPENCODE_CONFIG file' },
  aider: { label: 'aider', command: 'aider --read ${bootstrap}', description: 'no MCP: the bootstrap package as read-only context, the federation CLI in the terminal' },
};

/** The defaults with the user's entries over them; an entry set to null removes a default. */
export function effectivePresets(user: Record<string, AgentPreset | null> | undefined): Record<string, AgentPreset> {
  const out: Record<string, AgentPreset> = { ...DEFAULT_PRESETS };
  for (const [id, p] of Object.entries(user ?? {})) {
    if (p === null) delete out[id];
    else if (p && typeof p.command === 'string' && p.command.trim()) out[id] = { ...p, label: p.label || id };
  }
  return out;
}

/** POSIX shell quoting: a word that is safe as is stays bare. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The session files a preset may point at, for this persona's launch. */
export function sessionFiles(persona: string, launch: ServerLaunch): { mcpJson: string; opencodeConfig: string } {
  const name = serverName(persona);
  const entry = { command: launch.command, args: launch.args, ...(launch.env ? { env: launch.env } : {}) };
  return {
    mcpJson: JSON.stringify({ mcpServers: { [name]: entry } }, null, 2) + '\n',
    opencodeConfig: JSON.stringify({ $schema: 'https://opencode.ai/config.json', mcp: { [name]: { type: 'local', command: [launch.command, ...launch.args], enabled: true, ...(launch.env ? { environment: launch.env } : {}) } } }, null, 2) + '\n',
  };
}

/** Codex takes servers as TOML values in -c overrides: `-c 'mcp_servers.NAME.command="…"'`. */
export function codexOverrides(persona: string, launch: ServerLaunch): string[] {
  const key = `mcp_servers.${serverName(persona)}`;
  const toml = (v: string) => JSON.stringify(v);
  const out = ['-c', `${key}.command=${toml(launch.command)}`, '-c', `${key}.args=[${launch.args.map(toml).join(',')}]`];
  if (launch.env && Object.keys(launch.env).length) out.push('-c', `${key}.env={${Object.entries(launch.env).map(([k, v]) => `${k}=${toml(v)}`).join(',')}}`);
  return out;
}

export interface ExpandedPreset {
  commandLine: string;
  env: Record<string, string>;
}

/**
 * Fills in a preset's placeholders (file paths and words shell-quoted). An unknown placeholder is an error naming
 * it, so a typo in the setting does not type a broken command into the terminal.
 */
export function expandPreset(id: string, preset: AgentPreset, values: Record<Placeholder, string | string[]>): ExpandedPreset {
  const fill = (text: string, quote: boolean) =>
    text.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
      if (!Object.hasOwn(PLACEHOLDERS, name)) {
        throw new FederationError('invalid-input', `agent preset "${id}": unknown placeholder \${${name}} (known: ${Object.keys(PLACEHOLDERS).join(', ')})`, { preset: id, placeholder: name });
      }
      const v = values[name as Placeholder];
      return Array.isArray(v) ? v.map(shellQuote).join(' ') : quote ? shellQuote(v) : v;
    });
  return {
    commandLine: fill(preset.command, true),
    env: Object.fromEntries(Object.entries(preset.env ?? {}).map(([k, v]) => [k, fill(v, false)])),
  };
}
