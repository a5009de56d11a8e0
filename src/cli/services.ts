// The CLI's composition root: main() builds this once per invocation from the ports (the file system, the
// environment, the engine client factory, the local process runner) and every command takes its services from it, so no command builds a service of its
// own and tests hand in fakes here instead of patching module globals.
import { AgentService } from '../core/agents';
import { BriefChecker } from '../core/agents/briefCheck';
import { rememberedApprovals } from '../core/commandApprovals';
import type { DockerClientFactory } from '../core/docker/loader';
import { dockerClientLoader } from '../core/docker/loader';
import { Federation } from '../core/federation';
import type { ProcessRunnerFactory } from '../core/matrix/processPort';
import { MatrixService } from '../core/matrix/service';
import { silentLogger, type Environment, type FileSystem, type HostProcesses } from '../core/ports';
import { UsageService } from '../core/usage/service';
import { nodeFileSystem } from '../node/fs';
import { newLocalProcessRunner } from '../node/process';
import { nodeGit } from '../node/git';
import { nodeHttpPoster } from '../node/http';
import type { HttpPoster } from '../core/matrix/notifications';
import { nodeHostProcesses } from '../node/processes';
import { configuredBackend, natsCredentialsFromEnv, openBackendKind } from '../node/stateBackend';
import type { StateBackend } from '../core/federation/state/backend';
import type { GitPort } from '../core/worktrees/git';
import { WorktreeService } from '../core/worktrees/service';

export interface CliPorts {
  /** The disk every service reads and writes (Node's fs). */
  fs: FileSystem;
  /** The process environment (DOCKER_HOST, XDG_CONFIG_HOME, …), read, never written. */
  env: Environment;
  /** The engine client (default: the dockerode adapter, dist/docker.js, loaded on first use). */
  clientFactory: DockerClientFactory;
  /** Local processes for matrix tasks and setup. */
  processRunnerFactory: ProcessRunnerFactory;
  /** git, for task worktrees. */
  git: GitPort;
  /** This host's processes (a dead holder's state lock is taken over at once). */
  processes: HostProcesses;
  /** HTTP POSTs: the matrix config's webhooks. */
  http: HttpPoster;
}

export const DEFAULT_PORTS: CliPorts = {
  fs: nodeFileSystem,
  env: process.env,
  clientFactory: dockerClientLoader(nodeFileSystem),
  processRunnerFactory: newLocalProcessRunner,
  git: nodeGit,
  processes: nodeHostProcesses,
  http: nodeHttpPoster,
};

const APPROVAL_HINT = 'Read them, then run again with --allow-workspace-commands to run them (they are remembered for this workspace).';

export class CliServices {
  private fed: Federation | undefined;
  private agentService: AgentService | undefined;

  constructor(readonly root: string, readonly ports: CliPorts = DEFAULT_PORTS) {}

  /**
   * The federation, on the backend config.yaml names (opened when a command first touches the state). NATS
   * credentials come from the environment: FEDERATION_NATS_TOKEN, FEDERATION_NATS_CREDS, FEDERATION_NATS_CA.
   */
  federation(): Federation {
    const { fs, env } = this.ports;
    return (this.fed ??= new Federation(this.root, { fs, git: this.ports.git, processes: this.ports.processes, backend: configuredBackend({ fs, logger: silentLogger, credentials: () => natsCredentialsFromEnv(env) }) }));
  }

  /**
   * This workspace's federation on a given backend, whatever config.yaml's kind says (a migration's target):
   * the files, or NATS with config.yaml's servers and federation name. The caller closes it.
   */
  openBackend(kind: 'file' | 'nats'): Promise<StateBackend> {
    const { fs, env } = this.ports;
    return openBackendKind(this.federation().files, { fs, logger: silentLogger, credentials: () => natsCredentialsFromEnv(env) }, kind);
  }

  /** Lets go of what the command opened (a NATS connection would keep the process alive). */
  async close(): Promise<void> {
    await this.fed?.close();
  }

  /** Task worktrees: list, remove, prune, diff, merge. */
  worktrees(): WorktreeService {
    return new WorktreeService(this.federation(), this.ports.git);
  }

  agents(): AgentService {
    // The federation's own folder: agents.json is this workspace's (the engines it deployed to), whatever backend holds the shared state.
    const { fs, env, clientFactory, git } = this.ports;
    return (this.agentService ??= new AgentService({ root: this.root, store: this.federation().files, fs, env, clientFactory, git }));
  }

  /** The usage ledger: the tasks' attempts and the agents' reports. */
  usage(): UsageService {
    return new UsageService(this.federation(), () => this.agents());
  }

  /** Mission briefs checked as Deploy Agent checks them; `warn` hears of a personas file that cannot be read. */
  briefs(warn?: (message: string) => void): BriefChecker {
    return new BriefChecker(this.root, this.ports.fs, warn);
  }

  /** The matrix, with workspace commands allowed (and remembered) when the command line says so. */
  matrix(allowWorkspaceCommands: boolean): MatrixService {
    return new MatrixService({
      root: this.root,
      fs: this.ports.fs,
      env: this.ports.env,
      clientFactory: this.ports.clientFactory,
      processRunnerFactory: this.ports.processRunnerFactory,
      http: this.ports.http,
      approvals: rememberedApprovals(this.ports, allowWorkspaceCommands, APPROVAL_HINT),
    });
  }
}
