# The fork server: started by the Node adapter (src/node/process/launchServer.ts) as `perl -e` with this program,
# it forks and execs the tasks it is sent, each in its own process group, and reports their starts and exits.
# The wire protocol (one tab-separated line per message) is described in protocol.ts.
# The server ignores SIGINT (a Ctrl-C reaches the whole foreground group, and its tasks must be stopped by the
# runner, which needs the server to hear their exits); the tasks get the default back before exec.
# Its own environment is the base (set when a B line arrives), so a child only applies its task's few changes
# before exec: rebuilding the whole environment in every forked child dirtied its copy-on-write pages.
# A child that exits between reap() and select() only wakes the server at the select timeout (SIGCHLD came before
# the wait), so the timeout is short while children run; with none, it waits for input alone.
use strict; use warnings; use POSIX ();
my %ids; my %base; my $in = ''; my $out = ''; my $eof = 0;
%ENV = ();
$SIG{CHLD} = sub {}; $SIG{PIPE} = 'IGNORE'; $SIG{INT} = 'IGNORE';
sub unesc { my $s = shift; $s =~ s/\\(.)/$1 eq 't' ? "\t" : $1 eq 'n' ? "\n" : $1/ge; return $s }
sub flush { while (length $out) { my $w = syswrite(STDOUT, $out); last unless defined $w; substr($out, 0, $w) = '' } }
# Each exit comes with the child's CPU time and peak memory. Perl has no wait4, so on 64-bit Linux it is called
# as a system call (its number per machine; struct rusage = 18 longs: utime and stime as seconds and microseconds,
# then maxrss in KiB). Elsewhere: waitpid, and the CPU time as the growth of times()'s children's total across it
# (clock ticks), without the memory.
my $WAIT4 = $^O eq 'linux' && length(pack('j', 0)) == 8 ? { x86_64 => 61, aarch64 => 260 }->{(POSIX::uname())[4]} : undef;
sub wait_one {
  if (defined $WAIT4) {
    my $sb = "\0" x 8; my $ru = "\0" x 144;
    my $p = syscall($WAIT4, -1, $sb, POSIX::WNOHANG(), $ru);
    return ($p) if $p <= 0;
    my @r = unpack('q18', $ru);
    return ($p, unpack('i', $sb), $r[0] * 1000000 + $r[1], $r[2] * 1000000 + $r[3], $r[4]);
  }
  my @t0 = times; my $p = waitpid(-1, POSIX::WNOHANG()); my $st = $?; my @t1 = times;
  return ($p, $st, int(($t1[2] - $t0[2]) * 1e6), int(($t1[3] - $t0[3]) * 1e6), -1);
}
sub reap {
  while (1) {
    my ($p, $st, $user, $sys, $rss) = wait_one();
    last if $p <= 0;
    my $id = delete $ids{$p}; next unless defined $id;
    my $sig = $st & 127; my $code = $sig ? -1 : ($st >> 8);
    my $gone = kill(0, -$p) ? 0 : 1;
    $out .= "E\t$id\t$code\t$sig\t$gone\t$user\t$sys\t$rss\n";
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
