// The editor's one command registry. A command declares its id, the services it needs, how its argument is read
// and, when it runs workspace code, what Workspace Trust must allow; registering it covers the rest, the same for
// every command: a service that is missing is a typed refusal, trust is checked, the argument is read, and a
// failure is logged, shown and rethrown to the caller (tests get the FederationError); afterwards the views the
// command touched are refreshed. No vscode at run time (the editor comes in as a CommandHost), so the registry is
// unit-tested without an editor.
import type * as vscode from 'vscode';
import { FederationError, describeError, isFederationError } from '../../core/errors';
import type { Federation } from '../../core/federation';
import type { AgentsContext } from '../agents/context';
import type { BriefDiagnostics } from '../brief/diagnostics';
import type { FederationState } from '../federationState';
import { Disposable } from '../lifecycle';
import type { RunsController } from '../matrix/runs';
import type { AgentMcp } from '../mcp/agentMcp';
import type { Panels } from '../panels';
import type { EditorPorts } from '../ports';
import type { WorktreeService } from '../../core/worktrees/service';
import type { WindowPersona } from '../windowPersona';
import { CommandArgs, type UriClass } from './args';
import type { CommandId } from './ids';

/** Everything a command may need. */
export interface Services {
  log: vscode.LogOutputChannel;
  /** The file system and environment the core is given (always there, like the log). */
  ports: EditorPorts;
  /** The workspace's federation (its root is the folder's). */
  fed: Federation;
  /** Its latest snapshot, reloaded after every command that needs the federation. */
  state: FederationState;
  /** The tasks' worktrees over the federation and git: status, changes, merge, remove. */
  worktrees: WorktreeService;
  /** The persona this window acts as. */
  persona: WindowPersona;
  briefs: BriefDiagnostics;
  /** Matrix runs of this workspace. */
  runs: RunsController;
  /** Remote agents: their service, the Agents view, secrets. */
  agents: AgentsContext;
  /** Report panels. */
  panels: Panels;
  /** The MCP server as agents get it: server definitions, client configs, agent presets. */
  mcp: AgentMcp;
}

export type ServiceName = Exclude<keyof Services, 'log' | 'ports'>;

/** What a registry can supply: the log and the ports always, the rest when there is one (a getter may make it on first use). */
export type ServiceSource = Pick<Services, 'log' | 'ports'> & { readonly [K in ServiceName]?: Services[K] | undefined };

export interface CommandDef<N extends ServiceName, A> {
  readonly id: CommandId;
  /** The services `run` gets; a missing one refuses the command (reason 'unavailable') before anything runs. */
  readonly needs: readonly N[];
  /** Set for a command that runs workspace code: what it runs, for the untrusted-workspace refusal. */
  readonly trust?: string;
  /** Reads the arguments (a tree node, a URI, a test's or a script's object, nothing) into the input of `run`. */
  readonly args: (args: CommandArgs) => A;
  run(services: Pick<Services, N | 'log' | 'ports'>, input: A): Promise<unknown>;
}

/** A command of any needs and input, as the registry holds it. */
export type Command = CommandDef<ServiceName, unknown>;

/** Types a command: `needs` narrows the services `run` gets, `args` types its input. */
export function defineCommand<N extends ServiceName, A>(def: CommandDef<N, A>): Command {
  return def;
}

/**
 * Stand-ins for commands whose definitions come with a service this window does not have (the agents' and the
 * panels' commands without a folder): each needs that service, so each refuses as the real command would.
 */
export function placeholders(ids: readonly CommandId[], service: ServiceName): Command[] {
  return ids.map((id) => defineCommand({ id, needs: [service], args: () => undefined, run: async () => undefined }));
}

/** Why a service is missing, as the refusal says it. Without a folder there is no federation, runs or agents. */
const MISSING: Record<ServiceName, string> = {
  fed: 'Agent Federation needs an open folder: its state lives in .federation/ in the workspace.',
  state: 'Agent Federation needs an open folder: its state lives in .federation/ in the workspace.',
  worktrees: 'Task worktrees need an open folder: its .federation/ records them.',
  persona: 'Agent Federation needs an open folder: its state lives in .federation/ in the workspace.',
  briefs: 'Mission brief validation is not running in this window.',
  runs: 'Matrix runs need an open folder: they live in its .federation/runs/.',
  agents: 'Remote agents need an open folder: their records live in its .federation/.',
  panels: 'Agent Federation reports need an open folder: runs and agents live in its .federation/.',
  mcp: 'The MCP server needs an open folder: it serves the federation in its .federation/.',
};

/** A command refused because a service it needs is not there (no folder is open, say). */
export class ServiceUnavailableError extends FederationError {
  override readonly name = 'ServiceUnavailableError';
  constructor(readonly command: string, readonly service: ServiceName) {
    super('unavailable', MISSING[service], { command, service });
  }
}

/** What the registry needs of the editor. */
export interface CommandHost {
  /** vscode.Uri, which tells the Explorer's and CodeLenses' arguments from the rest. */
  readonly uriClass: UriClass;
  registerCommand(id: string, handler: (...args: unknown[]) => Promise<unknown>): vscode.Disposable;
  /** Throws the untrusted-workspace refusal unless the workspace is trusted. */
  requireTrust(what: string): void;
  /** Shows a command's failure (already logged); a refusal for a missing service as a warning. */
  showError(command: string, e: unknown, severity: 'error' | 'warning'): void;
}

/** Services whose commands change the federation's files: the state is reloaded after them. */
const STATE_SERVICES: readonly ServiceName[] = ['fed', 'state', 'persona', 'worktrees'];

export class CommandRegistry extends Disposable {
  private readonly ids = new Set<string>();

  constructor(private readonly host: CommandHost, private readonly services: ServiceSource) {
    super();
  }

  /** The ids registered so far. */
  get registered(): ReadonlySet<string> {
    return this.ids;
  }

  add(commands: readonly Command[]): void {
    for (const c of commands) {
      if (this.ids.has(c.id)) throw new Error(`command ${c.id} is registered twice`);
      this.ids.add(c.id);
      this._register(this.host.registerCommand(c.id, (...args: unknown[]) => this.execute(c, args)));
    }
  }

  /** Runs a command as its registration does (the tests call this directly). */
  async execute(c: Command, args: readonly unknown[]): Promise<unknown> {
    let refused = false;
    try {
      const services = this.resolve(c, () => (refused = true));
      if (c.trust) this.host.requireTrust(c.trust);
      return await c.run(services, c.args(new CommandArgs(args, this.host.uriClass)));
    } catch (e) {
      this.report(c.id, e, refused);
      throw e;
    } finally {
      if (!refused) await this.refresh(c);
    }
  }

  /** The services the command needs, each read once; the first missing one refuses it. */
  private resolve(c: Command, onRefused: () => void): Services {
    const got: Partial<Services> = { log: this.services.log, ports: this.services.ports };
    for (const name of c.needs) {
      const service = this.services[name];
      if (service === undefined) {
        onRefused();
        throw new ServiceUnavailableError(c.id, name);
      }
      (got as Record<ServiceName, unknown>)[name] = service;
    }
    return got as Services;
  }

  private report(id: string, e: unknown, refused: boolean): void {
    const log = this.services.log;
    if (refused) log.warn(`${id}: refused: ${describeError(e)}`);
    else log.error(`${id}: ${isFederationError(e) ? `[${e.reason}] ${e.message}` : e instanceof Error ? (e.stack ?? e.message) : describeError(e)}`);
    this.host.showError(id, e, refused ? 'warning' : 'error');
  }

  /** A command that needed the federation reloads its state; one that needed the agents refreshes their view. */
  private async refresh(c: Command): Promise<void> {
    try {
      if (c.needs.some((n) => STATE_SERVICES.includes(n))) await this.services.state?.reload();
      if (c.needs.includes('agents')) this.services.agents?.tree.refresh();
    } catch (e) {
      this.services.log.warn(`${c.id}: refreshing the views failed: ${describeError(e)}`);
    }
  }
}
