// The launch servers' programs, given to `perl -e` and `python3 -c` (launchServer.ts says why they exist; the
// protocol they speak is protocol.ts). The Perl one forks and execs; the Python one uses posix_spawn.
export const FORK_SERVER = String.raw`
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

export const SPAWN_SERVER = String.raw`
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
