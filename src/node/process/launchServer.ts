// A launch server: a small Perl or Python process that starts the tasks for us. Node's own spawn forks the whole
// Node process (~50 MB of page tables) on the main thread, ~2-4 ms per task; forking a 5 MB Perl costs a fraction
// of that, which is what lets a wave of hundreds of short tasks keep up with `xargs -P`. The Python server's
// posix_spawn is cheaper still. Measured on 1,000 no-op tasks: busy CPU 1.27 s with the Python server against
// 1.67 s with the Perl one (xargs: 1.05 s). Each task still gets its own process group (setpgid in the child,
// before exec) and is killed with process.kill(-pid) from here (supervise.ts).
// The programs are launch-server.pl and launch-server.py, given to `perl -e` and `python3 -c`; they speak
// protocol.ts. They are imported as text (text-assets.d.ts), so every bundle carries them: no file to find at run time.
import { ChildProcess, spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import type { ProcessSpec, ResourceUsage } from '../../core/matrix/processPort';
import FORK_SERVER from './launch-server.pl';
import SPAWN_SERVER from './launch-server.py';
import { EnvDelta, parseMessage, taskLine } from './protocol';
import type { Launch } from './supervise';

interface Pending {
  started: boolean;
  start: (pid: number | null, error?: string) => void;
  exit: (code: number | null, signal: string | null, groupGone: boolean, usage?: ResourceUsage) => void;
}

export class LaunchServer {
  private readonly child: ChildProcess;
  private readonly pending = new Map<string, Pending>();
  /** Tasks given to this server that have not ended. */
  get load(): number {
    return this.pending.size;
  }
  private readonly env = new EnvDelta();
  private seq = 0;
  private buf = '';
  private queued: string[] = [];
  dead = false;

  /** python: the Python executable of the spawn server; otherwise the Perl fork server. */
  constructor(python: string | null) {
    this.child = python
      ? spawn(python, ['-I', '-S', '-c', SPAWN_SERVER], { stdio: ['pipe', 'pipe', 'ignore'] })
      : spawn('perl', ['-e', FORK_SERVER], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (d: string) => this.onData(d));
    this.child.stdin!.on('error', () => this.fail('the fork server went away'));
    this.child.once('error', (e) => this.fail(`the fork server did not start: ${e.message}`));
    // 'close', not 'exit': a server that was told to finish writes its last exits just before it exits, and
    // 'exit' can come before those lines are read; failing its tasks then would lose their exit codes.
    this.child.once('close', () => this.fail('the fork server exited'));
    // Idle, it must not keep the process alive: an ended stdin makes it exit once its children are done.
    this.unref();
  }

  private unref(): void {
    this.child.unref();
    (this.child.stdout as unknown as { unref?: () => void }).unref?.();
    (this.child.stdin as unknown as { unref?: () => void }).unref?.();
  }

  private ref(): void {
    this.child.ref();
    (this.child.stdout as unknown as { ref?: () => void }).ref?.();
  }

  private fail(message: string): void {
    if (this.dead) return;
    this.dead = true;
    // A task that started can no longer report its exit: treat it as ended, which stops its whole group.
    for (const p of this.pending.values()) (p.started ? p.exit(null, null, false) : p.start(null, message));
    this.pending.clear();
  }

  private onData(d: string): void {
    const lines = (this.buf + d).split('\n');
    this.buf = lines.pop()!;
    for (const line of lines) {
      const m = parseMessage(line);
      const p = m && this.pending.get(m.id);
      if (!m || !p) continue;
      if (m.kind === 'S') {
        p.started = true;
        p.start(m.pid);
      } else if (m.kind === 'F') {
        this.pending.delete(m.id);
        p.start(null, m.message);
      } else {
        this.pending.delete(m.id);
        p.exit(m.signal ? null : m.code, m.signal ? (signalName(m.signal) ?? `signal ${m.signal}`) : null, m.groupGone, m.usage);
      }
    }
    if (this.pending.size === 0) this.unref();
  }

  private send(line: string): void {
    if (this.queued.length === 0) process.nextTick(() => this.flush());
    this.queued.push(line);
  }

  private flush(): void {
    const text = this.queued.join('');
    this.queued = [];
    if (this.dead) return;
    this.child.stdin!.write(text);
    if (this.closed) this.child.stdin!.end();
  }

  private closed = false;
  /** No more tasks for this server: it exits once those it started have ended (their exits are still reported). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.queued.length === 0 && !this.dead) this.child.stdin!.end();
  }

  launch(spec: ProcessSpec): Launch {
    // The runner drops a server when it closes it; a line written after the end would fail its running tasks.
    if (this.closed) throw new Error('launch on a closed launch server');
    const id = String(++this.seq);
    let startCb: Pending['start'] = () => {};
    let exitCb: Pending['exit'] = () => {};
    const early: { start?: [number | null, string?]; exit?: [number | null, string | null, boolean, ResourceUsage?] } = {};
    this.pending.set(id, {
      started: false,
      start: (pid, error) => (early.start = [pid, error], startCb(pid, error)),
      exit: (code, sig, gone, usage) => (early.exit = [code, sig, gone, usage], exitCb(code, sig, gone, usage)),
    });
    this.ref();
    const lines: string[] = [];
    const changes = this.env.encode(spec, lines);
    for (const l of lines) this.send(l);
    this.send(taskLine(id, spec, changes));
    return {
      onStart(cb) {
        startCb = cb;
        if (early.start) cb(...early.start);
      },
      onExit(cb) {
        exitCb = cb;
        if (early.exit) cb(...early.exit);
      },
    };
  }
}

function signalName(n: number): string | undefined {
  return Object.entries(osConstants.signals).find(([, v]) => v === n)?.[0];
}
