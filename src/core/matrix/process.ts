// LocalProcessRunner, the real process runner (the port is processPort.ts): a process group per attempt,
// whole-group kills.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync, statSync, writeSync } from 'node:fs';
import { availableParallelism, constants as osConstants } from 'node:os';
import { FederationError } from '../errors';
import { specEnv, type ProcessOutcome, type ProcessRunner, type ProcessRunnerFactory, type ProcessSpec } from './processPort';

const POLL_MS = 20;
/** After SIGKILL the kernel needs a moment; we never wait longer than this for the group to disappear. */
const AFTER_KILL_MS = 3000;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * True while any process of group `pgid` is alive. kill(-pgid, 0) alone also succeeds for zombies, which linger
 * when the machine's init does not reap orphans (containers), so on Linux a positive answer is confirmed in /proc.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${n}/stat`, 'utf8');
    } catch {
      continue; // it exited while we looked
    }
    // "pid (comm) S ppid pgrp …": comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') return true;
  }
  return false;
}

function signalGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // ESRCH: already gone.
  }
}

/** SIGTERM the group, SIGKILL whatever is left after `graceMs`, and wait (bounded) until nothing is left. */
export async function stopGroup(pgid: number, graceMs: number, termAlreadySent = false): Promise<void> {
  if (!groupAlive(pgid)) return;
  if (!termAlreadySent) signalGroup(pgid, 'SIGTERM');
  const termDeadline = Date.now() + graceMs;
  while (Date.now() < termDeadline && groupAlive(pgid)) await sleep(POLL_MS);
  if (!groupAlive(pgid)) return;
  signalGroup(pgid, 'SIGKILL');
  const killDeadline = Date.now() + AFTER_KILL_MS;
  while (Date.now() < killDeadline && groupAlive(pgid)) await sleep(POLL_MS);
}

/** How a started process reports back to the supervisor. */
interface Launch {
  /** Called once with the pid (= process group id), or with an error when it never started. */
  onStart(cb: (pid: number | null, error?: string) => void): void;
  /** groupGone: the launcher saw the process group empty after the exit, so there is nothing left to stop. */
  onExit(cb: (code: number | null, signal: string | null, groupGone: boolean) => void): void;
}

/**
 * Timeout, cancellation and clean-up, the same for every launcher: SIGTERM to the group, SIGKILL after the grace
 * period, and when the shell is gone, whatever it left in its group is stopped too before the outcome is given.
 */
function supervise(spec: ProcessSpec, launch: Launch): Promise<ProcessOutcome> {
  return new Promise((resolve) => {
    let pid: number | null = null;
    let timedOut = false;
    let cancelled = false;
    let termSent = false;
    let termSentAt = 0;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    let wantStop = false;
    const stop = () => {
      wantStop = true;
      if (termSent || pid === null) return;
      termSent = true;
      termSentAt = Date.now();
      signalGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => pid !== null && signalGroup(pid, 'SIGKILL'), spec.graceMs);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, spec.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      stop();
    };
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (outcome: ProcessOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      spec.signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    launch.onStart((p, error) => {
      if (p === null) {
        finish({ exitCode: null, signal: null, timedOut: false, cancelled, pid: null, ...(error ? { error } : {}) });
        return;
      }
      pid = p;
      // A timeout or an abort that came before the pid was known.
      if (wantStop) stop();
    });
    launch.onExit((code, sig, groupGone) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      if (groupGone || pid === null) {
        finish({ exitCode: code, signal: sig, timedOut, cancelled, pid });
        return;
      }
      const grace = termSent ? Math.max(0, termSentAt + spec.graceMs - Date.now()) : spec.graceMs;
      const left = pid === null ? Promise.resolve() : stopGroup(pid, grace, termSent);
      void left.then(() => finish({ exitCode: code, signal: sig, timedOut, cancelled, pid }));
    });
  });
}

function spawnLaunch(spec: ProcessSpec): Launch | ProcessOutcome {
  let fd: number;
  try {
    fd = openSync(spec.logFile, 'a');
  } catch (e) {
    return { exitCode: null, signal: null, timedOut: false, cancelled: false, pid: null, error: `cannot open the log ${spec.logFile}: ${(e as Error).message}` };
  }
  // Output goes straight to the log file descriptor: no pipe through this process, so a chatty task costs
  // nothing here and a grandchild that keeps the descriptor open cannot hold up the result.
  const child = (() => {
    try {
      if (spec.preamble) writeSync(fd, spec.preamble);
      return spawn('/bin/sh', ['-c', spec.command], { cwd: spec.cwd, env: specEnv(spec), detached: true, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
  })();
  return {
    onStart(cb) {
      if (child.pid !== undefined) cb(child.pid);
      // Only a failure to start arrives as 'error' without a pid: nothing is left to kill then.
      else child.once('error', (e) => cb(null, e.message));
    },
    onExit(cb) {
      child.once('exit', (code, sig) => cb(code, sig, false));
    },
  };
}

// The fork server: a small Perl process that forks and execs for us. Node's own spawn forks the whole Node
// process (~50 MB of page tables) on the main thread, ~2-4 ms per task; forking a 5 MB Perl costs a fraction of
// that, which is what lets a wave of hundreds of short tasks keep up with `xargs -P`. Each task still gets its own
// process group (setpgid in the child, before exec) and is killed with process.kill(-pid) from here.
// The server ignores SIGINT (a Ctrl-C reaches the whole foreground group, and its tasks must be stopped by the
// runner, which needs the server to hear their exits); the tasks get the default back before exec.
// Protocol, one tab-separated line per message, fields escaped (\\ \t \n), lines sent in batches both ways
// (one pipe write per event-loop turn: with hundreds of tasks a write per line is most of the cost):
//   in:  B NAME=VALUE…                                  the base environment of the tasks that follow
//        T ID CWD LOG PREAMBLE COMMAND CHANGE…           a task: CHANGE is NAME=VALUE (set) or NAME (unset)
//   out: S ID PID | E ID CODE SIGNAL GONE | F ID MESSAGE
// The server's own environment is the base (set when a B line arrives), so a child only applies its task's few
// changes before exec: rebuilding the whole environment in every forked child dirtied its copy-on-write pages.
// A child that exits between reap() and select() only wakes the server at the select timeout (SIGCHLD came
// before the wait), so the timeout is short while children run; with none, it waits for input alone.
// GONE is 1 when, right after reaping the shell, its process group was already empty (kill(-pgid, 0) failed),
// so the supervisor need not look for leftovers; 0 means "maybe": it looks as before.
const FORK_SERVER = String.raw`
use strict; use warnings; use POSIX ();
my %ids; my %base; my $in = ''; my $out = ''; my $eof = 0;
%ENV = ();
$SIG{CHLD} = sub {}; $SIG{PIPE} = 'IGNORE'; $SIG{INT} = 'IGNORE';
sub unesc { my $s = shift; $s =~ s/\\(.)/$1 eq 't' ? "\t" : $1 eq 'n' ? "\n" : $1/ge; return $s }
sub flush { while (length $out) { my $w = syswrite(STDOUT, $out); last unless defined $w; substr($out, 0, $w) = '' } }
sub reap {
  while ((my $p = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $st = $?; my $id = delete $ids{$p}; next unless defined $id;
    my $sig = $st & 127; my $code = $sig ? -1 : ($st >> 8);
    my $gone = kill(0, -$p) ? 0 : 1;
    $out .= "E\t$id\t$code\t$sig\t$gone\n";
  }
}
while (1) {
  reap(); flush();
  last if $eof && !%ids;
  my $rin = ''; vec($rin, fileno(STDIN), 1) = 1 unless $eof;
  my $n = select(my $rout = $rin, undef, undef, %ids ? 0.01 : undef);
  reap();
  next unless $n && $n > 0;
  my $r = sysread(STDIN, my $chunk, 262144);
  if (!$r) { $eof = 1; next }
  $in .= $chunk;
  my $last = rindex($in, "\n");
  next if $last < 0;
  my @lines = split(/\n/, substr($in, 0, $last));
  $in = substr($in, $last + 1);
  for my $line (@lines) {
    my ($kind, @f) = map { unesc($_) } split(/\t/, $line, -1);
    if ($kind eq 'B') { %base = map { split(/=/, $_, 2) } @f; %ENV = %base; next }
    my ($id, $cwd, $log, $head, $cmd, @env) = @f;
    my $pid = fork();
    if (!defined $pid) { $out .= "F\t$id\tfork failed: $!\n"; next }
    if ($pid == 0) {
      $SIG{CHLD} = 'DEFAULT'; $SIG{PIPE} = 'DEFAULT'; $SIG{INT} = 'DEFAULT';
      POSIX::setpgid(0, 0);
      open(STDIN, '<', '/dev/null');
      open(STDOUT, '>>', $log) or POSIX::_exit(126);
      open(STDERR, '>&', \*STDOUT) or POSIX::_exit(126);
      syswrite(STDOUT, $head) if length $head;
      chdir($cwd) or do { print STDERR "cannot enter $cwd: $!\n"; POSIX::_exit(126) };
      for (@env) { my $eq = index($_, '='); if ($eq < 0) { delete $ENV{$_} } else { $ENV{substr($_, 0, $eq)} = substr($_, $eq + 1) } }
      exec('/bin/sh', '-c', $cmd) or POSIX::_exit(127);
    }
    POSIX::setpgid($pid, $pid);
    $ids{$pid} = $id;
    $out .= "S\t$id\t$pid\n";
  }
}
`;

// The spawn server: the same protocol in Python, which has posix_spawn (glibc runs it as vfork + exec: no copy of
// the server's page tables and no copy-on-write faults in the child, which is most of what a Perl fork costs per
// task). Measured on 1,000 no-op tasks: busy CPU 1.27 s against 1.67 s with the Perl server (xargs: 1.05 s).
// The working folder is set by chdir in the (single-threaded) server just before each spawn; a SIGCHLD wakes the
// select through a wake-up pipe, so no exit waits for a timeout. A log that cannot be opened, or a folder that
// cannot be entered, is an F line (the task never started), as with Node's own spawn.
const SPAWN_SERVER = String.raw`
import os, select, signal
def unesc(s):
    if '\\' not in s: return s
    out = []; i = 0; n = len(s)
    while i < n:
        c = s[i]
        if c == '\\' and i + 1 < n:
            d = s[i + 1]; out.append('\t' if d == 't' else '\n' if d == 'n' else d); i += 2
        else:
            out.append(c); i += 1
    return ''.join(out)
def main():
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    rfd, wfd = os.pipe(); os.set_blocking(rfd, False); os.set_blocking(wfd, False)
    signal.set_wakeup_fd(wfd)
    signal.signal(signal.SIGCHLD, lambda *a: None)
    base = {}; ids = {}; out = []; buf = b''; eof = False
    sigdef = (signal.SIGINT, signal.SIGPIPE, signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP)
    def reap():
        while ids:
            try: pid, st = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError: return
            if pid == 0: return
            tid = ids.pop(pid, None)
            if tid is None: continue
            if os.WIFSIGNALED(st): code, sig = -1, os.WTERMSIG(st)
            else: code, sig = os.WEXITSTATUS(st), 0
            try: os.kill(-pid, 0); gone = 0
            except ProcessLookupError: gone = 1
            except PermissionError: gone = 0
            out.append('E\t%s\t%d\t%d\t%d\n' % (tid, code, sig, gone))
    def flush():
        if not out: return
        data = ''.join(out).encode(); out.clear()
        while data:
            try: n = os.write(1, data)
            except BrokenPipeError: os._exit(0)
            data = data[n:]
    while True:
        reap(); flush()
        if eof and not ids: break
        fds = [rfd] if eof else [rfd, 0]
        try: ready, _, _ = select.select(fds, [], [])
        except InterruptedError: continue
        if rfd in ready:
            try:
                while os.read(rfd, 4096): pass
            except BlockingIOError: pass
        if 0 not in ready: continue
        chunk = os.read(0, 262144)
        if not chunk: eof = True; continue
        buf += chunk
        last = buf.rfind(b'\n')
        if last < 0: continue
        lines = buf[:last].decode().split('\n'); buf = buf[last + 1:]
        for line in lines:
            f = line.split('\t')
            if f[0] == 'B':
                base = dict(unesc(x).split('=', 1) for x in f[1:]); continue
            tid, cwd, log, head, cmd = (unesc(x) for x in f[1:6])
            env = base
            if len(f) > 6:
                env = dict(base)
                for ch in f[6:]:
                    ch = unesc(ch); eq = ch.find('=')
                    if eq < 0: env.pop(ch, None)
                    else: env[ch[:eq]] = ch[eq + 1:]
            try: fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as e:
                out.append('F\t%s\tcannot open the log %s: %s\n' % (tid, log.replace('\t', ' ').replace('\n', ' '), e.strerror)); continue
            try:
                if head: os.write(fd, head.encode())
                try: os.chdir(cwd)
                except OSError as e:
                    os.write(fd, ('cannot enter %s: %s\n' % (cwd, e.strerror)).encode())
                    out.append('F\t%s\tno folder %s\n' % (tid, cwd.replace('\t', ' ').replace('\n', ' '))); continue
                try:
                    pid = os.posix_spawn('/bin/sh', ['/bin/sh', '-c', cmd], env,
                        file_actions=[(os.POSIX_SPAWN_OPEN, 0, '/dev/null', os.O_RDONLY, 0), (os.POSIX_SPAWN_DUP2, fd, 1), (os.POSIX_SPAWN_DUP2, fd, 2)],
                        setpgroup=0, setsigdef=sigdef, setsigmask=())
                except OSError as e:
                    out.append('F\t%s\tspawn failed: %s\n' % (tid, e.strerror)); continue
            finally:
                os.close(fd)
            ids[pid] = tid
            out.append('S\t%s\t%d\n' % (tid, pid))
main()
`;

const esc = (s: string) => (/[\\\t\n]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n') : s);
const unesc = (s: string) => s.replace(/\\(.)/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c));

interface Pending {
  started: boolean;
  start: (pid: number | null, error?: string) => void;
  exit: (code: number | null, signal: string | null, groupGone: boolean) => void;
}

/** Environments of successive tasks differ in a few variables: only those are sent, against a shared base. */
class EnvDelta {
  private base = new Map<string, string>();
  /** The frozen object the base was made from: a spec with this same `env` only needs its `extraEnv` sent. */
  private baseObject: NodeJS.ProcessEnv | undefined;

  /** The escaped changes against the base, after a `B` line in `out` when the base had to be replaced. */
  encode(spec: Pick<ProcessSpec, 'env' | 'extraEnv'>, out: string[]): string[] {
    // Frozen, so it cannot have changed since it was sent.
    if (spec.env !== this.baseObject && Object.isFrozen(spec.env)) this.replaceBase(spec.env, out, spec.env);
    if (spec.env === this.baseObject) {
      const changes: string[] = [];
      for (const name in spec.extraEnv) {
        const value = spec.extraEnv[name];
        if (value !== undefined && !name.includes('=')) changes.push(esc(`${name}=${value}`));
      }
      return changes;
    }
    const env = specEnv(spec);
    const changes: string[] = [];
    let kept = 0;
    for (const name in env) {
      const value = env[name];
      if (value === undefined || name.includes('=')) continue;
      const was = this.base.get(name);
      if (was === undefined) changes.push(`${name}=${value}`);
      else {
        kept++;
        if (was !== value) changes.push(`${name}=${value}`);
      }
    }
    if (kept < this.base.size) for (const name of this.base.keys()) if (!(name in env) || env[name] === undefined) changes.push(name);
    // Mostly different from the base (the first task, or another caller's environment): this one becomes the base.
    if (changes.length > 8 && changes.length * 2 > this.base.size) {
      this.replaceBase(env, out, undefined);
      return [];
    }
    return changes.map(esc);
  }

  private replaceBase(env: NodeJS.ProcessEnv, out: string[], object: NodeJS.ProcessEnv | undefined): void {
    this.base = new Map();
    this.baseObject = object;
    const fields = ['B'];
    for (const name in env) {
      const value = env[name];
      if (value === undefined || name.includes('=')) continue;
      this.base.set(name, value);
      fields.push(esc(`${name}=${value}`));
    }
    out.push(fields.join('\t') + '\n');
  }
}

class ForkServer {
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
      const [kind, id, a, b, c] = line.split('\t');
      const p = this.pending.get(id ?? '');
      if (!p) continue;
      if (kind === 'S') {
        p.started = true;
        p.start(Number(a));
      } else if (kind === 'F') {
        this.pending.delete(id!);
        p.start(null, unesc(a ?? 'fork failed'));
      } else if (kind === 'E') {
        this.pending.delete(id!);
        const sig = Number(b);
        p.exit(sig ? null : Number(a), sig ? (signalName(sig) ?? `signal ${sig}`) : null, c === '1');
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
    const early: { start?: [number | null, string?]; exit?: [number | null, string | null, boolean] } = {};
    this.pending.set(id, {
      started: false,
      start: (pid, error) => (early.start = [pid, error], startCb(pid, error)),
      exit: (code, sig, gone) => (early.exit = [code, sig, gone], exitCb(code, sig, gone)),
    });
    this.ref();
    const lines: string[] = [];
    const changes = this.env.encode(spec, lines);
    for (const l of lines) this.send(l);
    this.send(['T', id, esc(spec.cwd), esc(spec.logFile), esc(spec.preamble ?? ''), esc(spec.command), ...changes].join('\t') + '\n');
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

let perlAvailable: boolean | undefined;
function hasPerl(): boolean {
  if (perlAvailable === undefined) {
    try {
      perlAvailable = process.platform !== 'win32' && spawnSync('perl', ['-MPOSIX', '-e', '1'], { stdio: 'ignore', timeout: 5000 }).status === 0;
    } catch {
      perlAvailable = false;
    }
  }
  return perlAvailable;
}

let pythonPath: string | null | undefined;
/**
 * The Python 3 executable itself when it has posix_spawn, else null. Resolved once through sys.executable: a
 * version manager's shim (pyenv) on the PATH is a shell script that costs ~70 ms at every server start.
 */
function posixSpawnPython(): string | null {
  if (pythonPath === undefined) {
    pythonPath = null;
    try {
      const r = process.platform === 'win32' ? undefined : spawnSync('python3', ['-I', '-S', '-c', 'import os, sys; os.posix_spawn; os.POSIX_SPAWN_DUP2; print(sys.executable)'], { encoding: 'utf8', timeout: 5000 });
      const exe = r?.status === 0 ? r.stdout.trim() : '';
      if (exe.startsWith('/')) pythonPath = exe;
    } catch {
      pythonPath = null;
    }
  }
  return pythonPath;
}

export type Launcher = 'auto' | 'spawn' | 'fork-server' | 'spawn-server';

/** How long a module folder found to exist is trusted without looking again. */
const FOLDER_TRUST_MS = 1000;

/**
 * At most this many servers per runner. One server starts a task at a time: it creates the log file and waits in
 * vfork until the child has exec'd, ~0.5-0.8 ms on a busy machine, so one server caps a wave of short tasks at
 * ~1,500 starts a second. A second server on another core removes that cap (measured on 2 vCPUs: 1,000 no-op
 * tasks, median 754 -> 598 ms).
 */
const MAX_SERVERS = Math.max(1, Math.min(4, availableParallelism()));
/** A server with fewer running tasks than this gets the next one; a new server starts only when all have more. */
const SERVER_SHARE = 8;

export class LocalProcessRunner implements ProcessRunner {
  private servers: ForkServer[] = [];
  /** Folder → when it was last seen to exist: a wave of 1,000 tasks in one folder needs one stat a second, not 1,000. */
  private readonly folders = new Map<string, number>();
  /**
   * 'spawn': Node's own spawn (detached: a new process group). 'fork-server': the Perl fork server, much cheaper
   * per task. 'spawn-server': the Python posix_spawn server, cheaper still. 'auto' (default): the spawn server when
   * Python 3 is there, else the fork server when Perl is, else spawn. All give the same guarantees.
   */
  constructor(readonly launcher: Launcher = 'auto') {}

  /** The least loaded live server, or a new one when every live server has SERVER_SHARE tasks or more. */
  private forkServer(): ForkServer | undefined {
    if (this.launcher === 'spawn') return undefined;
    const python = this.launcher === 'fork-server' ? null : posixSpawnPython();
    if (this.launcher === 'spawn-server' && !python) throw new FederationError('unavailable', 'The spawn server needs python3 with os.posix_spawn.', {});
    if (!python && this.launcher === 'auto' && !hasPerl()) return undefined;
    if (this.servers.some((s) => s.dead)) this.servers = this.servers.filter((s) => !s.dead);
    let best: ForkServer | undefined;
    for (const s of this.servers) if (!best || s.load < best.load) best = s;
    if (best && (best.load < SERVER_SHARE || this.servers.length >= MAX_SERVERS)) return best;
    const server = new ForkServer(python);
    this.servers.push(server);
    return server;
  }

  /**
   * Lets the servers go: each exits once the tasks it started have ended. Without this they would wait, idle, for
   * more work until this process exits. The runner can still be used; it starts new servers then.
   */
  dispose(): void {
    for (const s of this.servers) s.close();
    this.servers = [];
  }

  run(spec: ProcessSpec): Promise<ProcessOutcome> {
    if (spec.signal?.aborted) return Promise.resolve({ exitCode: null, signal: null, timedOut: false, cancelled: true, pid: null });
    // Checked here so that both launchers answer a missing folder the same way (an error, no exit code). A folder
    // removed within FOLDER_TRUST_MS of being seen still fails the task: exit 126 and "cannot enter" in its log.
    const now = Date.now();
    if (!(now - (this.folders.get(spec.cwd) ?? -Infinity) < FOLDER_TRUST_MS)) {
      let isDir = false;
      try {
        isDir = statSync(spec.cwd, { throwIfNoEntry: false })?.isDirectory() ?? false;
      } catch {
        // ENOTDIR (a file on the way), EACCES: not a folder we can run in, the same answer as a missing one.
      }
      if (!isDir) {
        this.folders.delete(spec.cwd);
        return Promise.resolve({ exitCode: null, signal: null, timedOut: false, cancelled: false, pid: null, error: `no folder ${spec.cwd}` });
      }
      this.folders.set(spec.cwd, now);
    }
    const server = this.forkServer();
    const launch = server ? server.launch(spec) : spawnLaunch(spec);
    if (!('onStart' in launch)) return Promise.resolve(launch);
    return supervise(spec, launch);
  }
}

/** The factory the front ends give the matrix service and runMatrix: a new LocalProcessRunner ('auto') each time. */
export const newLocalProcessRunner: ProcessRunnerFactory = () => new LocalProcessRunner();
