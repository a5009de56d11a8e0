// Commands a workspace defines (matrix tasks, setup installs) run on this machine with the user's rights. The CLI
// runs one only when this user has allowed it for this workspace before, or is told to with
// --allow-workspace-commands. Approvals live in the user's own config folder, never in the workspace: a workspace
// must not be able to approve itself. A changed command (or module) is a new command and needs approving again.
// The file and the environment naming it are the front end's (the FileSystem and Environment ports).
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { FederationError } from './errors';
import type { Environment, FileSystem } from './ports';

export function approvalsFile(env: Environment): string {
  if (env['FEDERATION_APPROVALS_FILE']) return env['FEDERATION_APPROVALS_FILE'];
  const base = env['XDG_CONFIG_HOME'] || path.join(os.homedir(), '.config');
  return path.join(base, 'agent-federation', 'approved-commands.json');
}

async function workspaceKey(fs: FileSystem, root: string): Promise<string> {
  return fs.realpath(root).catch(() => path.resolve(root));
}

const digest = (command: string) => createHash('sha256').update(command).digest('hex');

type Approvals = Record<string, string[]>;

async function read(fs: FileSystem, file: string): Promise<Approvals> {
  try {
    const data = JSON.parse(await fs.readFile(file, 'utf8')) as unknown;
    return data && typeof data === 'object' ? (data as Approvals) : {};
  } catch {
    return {};
  }
}

/** The commands (as given: e.g. "backend: npm test") not yet allowed for this workspace. */
export async function unapprovedCommands(fs: FileSystem, root: string, commands: string[], file: string): Promise<string[]> {
  const known = new Set((await read(fs, file))[await workspaceKey(fs, root)] ?? []);
  return [...new Set(commands)].filter((c) => !known.has(digest(c)));
}

export async function approveCommands(fs: FileSystem, root: string, commands: string[], file: string): Promise<void> {
  const all = await read(fs, file);
  const key = await workspaceKey(fs, root);
  all[key] = [...new Set([...(all[key] ?? []), ...commands.map(digest)])];
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(all, null, 2) + '\n', { mode: 0o600 });
  await fs.rename(tmp, file);
}

/**
 * The CLI's command-approval policy: commands this user allowed for this workspace before run; with `allow`
 * (--allow-workspace-commands) the new ones are recorded and run; otherwise they are refused (not-approved),
 * listed, with `hint` saying how to allow them. The approvals file is approvalsFile(env) unless `file` names one.
 */
export function rememberedApprovals(
  ports: { fs: FileSystem; env: Environment },
  allow: boolean,
  hint: string,
  file = approvalsFile(ports.env),
): { approve(root: string, commands: string[]): Promise<void> } {
  const { fs } = ports;
  return {
    async approve(root, commands) {
      if (allow) return approveCommands(fs, root, commands, file);
      const pending = await unapprovedCommands(fs, root, commands, file);
      if (pending.length === 0) return;
      throw new FederationError(
        'not-approved',
        `${pending.length} command${pending.length === 1 ? '' : 's'} defined by this workspace ${pending.length === 1 ? 'has' : 'have'} not run here before:\n` +
          pending.map((c) => `  ${c}`).join('\n') + `\n${hint}`,
        { commands: pending },
      );
    },
  };
}
