// The federation's MCP server as the editor offers it to agents: one server definition per persona through VS
// Code's MCP API where the editor has it (1.101+: Copilot's agent mode gets the tools without a file), the client
// config files elsewhere (Install MCP Server for an Agent), and the agent presets of Open Persona Terminal. Every
// entry starts the extension's own dist/cli.js with the editor's Node, so nothing is needed on PATH.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { installServer, installTarget, serverName, type InstallResult, type McpClient, type ServerLaunch } from '../../core/mcp/clientConfig';
import { effectivePresets, type AgentPreset } from '../../core/mcp/presets';
import type { FederationState } from '../federationState';
import { Disposable } from '../lifecycle';
import type { EditorPorts } from '../ports';
import { operatorLevel } from '../settings';

export const MCP_PROVIDER_ID = 'agentFederation.personas';

/** A server definition as the extension offers it to the editor: one per registered persona. */
export interface McpServerDefinitionInfo {
  readonly label: string;
  readonly persona: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** The MCP API of VS Code 1.101+, declared here: the engines floor (1.90) has no types for it. */
interface McpApi {
  lm?: { registerMcpServerDefinitionProvider?(id: string, provider: unknown): vscode.Disposable };
  McpStdioServerDefinition?: new (label: string, command: string, args?: string[], env?: Record<string, string>, version?: string) => unknown;
}

export class AgentMcp extends Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  private personas = '';
  /** The definitions as last handed to the editor, and an event for each hand-over. */
  private provided: McpServerDefinitionInfo[] | undefined;
  private readonly didProvide = this._register(new vscode.EventEmitter<void>());
  /** True when the editor took our server definitions (its MCP API is there). */
  readonly registered: boolean;

  constructor(
    private readonly extensionPath: string,
    private readonly state: FederationState,
    /** The config files are written through its fs; its env says where a client's user-level config is. */
    private readonly ports: EditorPorts,
  ) {
    super();
    const api = vscode as unknown as McpApi;
    this.registered = this.register(api);
  }

  /**
   * Offers one server per persona to the editor's MCP support. VS Code 1.100 has the function only as a proposed
   * API, which throws for an extension that did not enable it: then the client config files are the way.
   */
  private register(api: McpApi): boolean {
    const Definition = api.McpStdioServerDefinition;
    const register = api.lm?.registerMcpServerDefinitionProvider;
    if (!Definition || !register) return false;
    try {
      this._register(
        register.call(api.lm, MCP_PROVIDER_ID, {
          onDidChangeMcpServerDefinitions: this.changed.event,
          provideMcpServerDefinitions: async () => {
            const definitions = await this.personaDefinitions();
            // The editor forwards what this returns to its MCP registry in the turn the promise settles: record the
            // hand-over after that, so a caller of definitions() finds the servers in the editor.
            setImmediate(() => {
              this.provided = definitions;
              this.didProvide.fire();
            });
            return definitions.map((d) => new Definition(d.label, d.command, [...d.args], { ...d.env }, '1'));
          },
        }),
      );
    } catch {
      return false;
    }
    // A persona registered or removed changes the list of servers the editor shows.
    this._register(
      this.state.onDidChange(async () => {
        const key = (await this.personaIds()).join(',');
        if (key !== this.personas) {
          this.personas = key;
          this.changed.fire();
        }
      }),
    );
    return true;
  }

  /**
   * The definitions as last handed to the editor (it asks on its own soon after registration, and again on each
   * change): waits for the first hand-over. Undefined where the editor took none.
   */
  async definitions(): Promise<McpServerDefinitionInfo[] | undefined> {
    if (!this.registered) return undefined;
    if (!this.provided) {
      await new Promise<void>((resolve) => {
        const sub = this.didProvide.event(() => {
          sub.dispose();
          resolve();
        });
      });
    }
    return this.provided;
  }

  private async personaDefinitions(): Promise<McpServerDefinitionInfo[]> {
    return (await this.personaIds()).map((persona) => {
      const l = this.launch(persona);
      return { label: `Agent Federation: ${persona}`, persona, command: l.command, args: l.args, env: l.env ?? {} };
    });
  }

  private async personaIds(): Promise<string[]> {
    const snap = await this.state.snapshot();
    return snap.initialized && snap.personas.ok ? snap.personas.value.personas.map((p) => p.id) : [];
  }

  /** How a client starts the server for `persona`: this editor's Node (Electron as Node on the desktop), our CLI. */
  launch(persona: string | undefined): ServerLaunch {
    const electron = typeof process.versions['electron'] === 'string';
    return {
      command: process.execPath,
      args: [path.join(this.extensionPath, 'dist', 'cli.js'), 'mcp', '--root', this.state.fed.root, ...(persona ? ['--persona', persona] : []), '--operator-level', operatorLevel()],
      ...(electron ? { env: { ELECTRON_RUN_AS_NODE: '1' } } : {}),
    };
  }

  /** Writes the server for `persona` into `client`'s config (merging; other servers and comments kept). */
  install(client: McpClient, persona: string | undefined): Promise<InstallResult> {
    return installServer(this.ports.fs, installTarget(client, this.state.fed.root, this.ports.env), serverName(persona), this.launch(persona));
  }

  presets(): Record<string, AgentPreset> {
    return effectivePresets(vscode.workspace.getConfiguration('agentFederation').get<Record<string, AgentPreset | null>>('agentPresets'));
  }
}
