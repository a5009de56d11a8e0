# The spawn server: the fork server's protocol (protocol.ts) in Python, started by the Node adapter
# (src/node/process/launchServer.ts) as `python3 -I -S -c` with this program. It starts each task with
# posix_spawn (glibc runs it as vfork + exec: no copy of the server's page tables and no copy-on-write faults in
# the child, which is most of what a Perl fork costs per task), in its own process group.
# The working folder is set by chdir in the (single-threaded) server just before each spawn; a SIGCHLD wakes the
# select through a wake-up pipe, so no exit waits for a timeout. A log that cannot be opened, or a folder that
# cannot be entered, is an F line (the task never started), as with Node's own spawn.
import os, select, signal, sys
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
    base = {}; ids = {}; out = []; buf = b''; eof = False; darwin = sys.platform == 'darwin'
    sigdef = (signal.SIGINT, signal.SIGPIPE, signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP)
    def reap():
        while ids:
            # wait3: the exit and the child's rusage (its CPU and that of every process it waited for; the largest
            # resident set among them, in KiB on Linux, bytes on macOS).
            try: pid, st, ru = os.wait3(os.WNOHANG)
            except ChildProcessError: return
            if pid == 0: return
            tid = ids.pop(pid, None)
            if tid is None: continue
            if os.WIFSIGNALED(st): code, sig = -1, os.WTERMSIG(st)
            else: code, sig = os.WEXITSTATUS(st), 0
            try: os.kill(-pid, 0); gone = 0
            except ProcessLookupError: gone = 1
            except PermissionError: gone = 0
            rss = ru.ru_maxrss // 1024 if darwin else ru.ru_maxrss
            out.append('E\t%s\t%d\t%d\t%d\t%d\t%d\t%d\n' % (tid, code, sig, gone, int(ru.ru_utime * 1e6), int(ru.ru_stime * 1e6), rss))
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
