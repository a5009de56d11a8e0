// A real sshd on a loopback port for ssh:// engine tests, logging in as root with a key held by a private
// ssh-agent (SSH_AUTH_SOCK is set for the suite and put back after). The engine is reached through
// `docker system dial-stdio` on the "remote" side, as for any ssh:// DOCKER_HOST; `dockerHost` makes that side's
// docker talk to another engine (sshd's SetEnv), as a remote host's own docker would.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

export function canRunSshd(): boolean {
  return existsSync('/usr/sbin/sshd') && process.getuid?.() === 0;
}

export const SSHD_SKIP_NOTE = '(skipped: needs root and /usr/sbin/sshd: apt-get install -y openssh-server)';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function until(what: string, ms: number, ready: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`${what} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const listens = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });

export interface Sshd {
  port: number;
  /** ssh://root@127.0.0.1:PORT */
  host: string;
  stop(): void;
}

/** Starts sshd and ssh-agent in `dir` (a fresh temp folder); call stop() in an after hook. */
export async function startSshd(dir: string, options: { dockerHost?: string } = {}): Promise<Sshd> {
  const children: ChildProcess[] = [];
  const savedAgent = process.env['SSH_AUTH_SOCK'];
  const port = await freePort();
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
  execFileSync('cp', [join(dir, 'client_key.pub'), join(dir, 'authorized_keys')]);
  writeFileSync(join(dir, 'sshd_config'), [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_key')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'PermitRootLogin prohibit-password', 'AllowUsers root',
    'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'StrictModes no', 'UsePAM no', `PidFile ${join(dir, 'sshd.pid')}`,
    ...(options.dockerHost ? [`SetEnv DOCKER_HOST=${options.dockerHost}`] : []),
  ].join('\n') + '\n');
  mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege separation directory
  const agentSocket = join(dir, 'agent.sock');
  const stop = (): void => {
    if (savedAgent === undefined) delete process.env['SSH_AUTH_SOCK'];
    else process.env['SSH_AUTH_SOCK'] = savedAgent;
    for (const child of children) child.kill();
  };
  try {
    children.push(spawn('/usr/sbin/sshd', ['-D', '-f', join(dir, 'sshd_config'), '-E', join(dir, 'sshd.log')], { stdio: 'ignore' }));
    children.push(spawn('ssh-agent', ['-D', '-a', agentSocket], { stdio: 'ignore' }));
    await until(`nothing listens on ${port}`, 5_000, () => listens(port));
    await until('ssh-agent did not start', 5_000, () => existsSync(agentSocket));
    execFileSync('ssh-add', ['-q', join(dir, 'client_key')], { env: { ...process.env, SSH_AUTH_SOCK: agentSocket } });
    process.env['SSH_AUTH_SOCK'] = agentSocket;
  } catch (e) {
    stop();
    throw e;
  }
  return { port, host: `ssh://root@127.0.0.1:${port}`, stop };
}
