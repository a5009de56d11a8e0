// The wire protocol between the Node adapter and its launch servers (launch-server.pl, launch-server.py): one
// tab-separated line per message, fields escaped (\\ \t \n), lines sent in batches both ways (one pipe write per
// event-loop turn: with hundreds of tasks a write per line is most of the cost):
//   in:  B NAME=VALUE…                                  the base environment of the tasks that follow
//        T ID CWD LOG PREAMBLE COMMAND CHANGE…           a task: CHANGE is NAME=VALUE (set) or NAME (unset)
//   out: S ID PID | E ID CODE SIGNAL GONE USER_US SYS_US MAXRSS_KB | F ID MESSAGE
// A server's own environment is the base, so a task only carries its few changes against it (EnvDelta).
// GONE is 1 when, right after reaping the shell, its process group was already empty (kill(-pgid, 0) failed),
// so the supervisor need not look for leftovers; 0 means "maybe": it looks as before.
// USER_US and SYS_US are the CPU time of the shell and everything it waited for (wait4's rusage, or the growth of
// the children's times() where Perl has no wait4), MAXRSS_KB the largest resident set among them (-1: unknown).
import { specEnv, type ProcessSpec, type ResourceUsage } from '../../core/matrix/processPort';

const esc = (s: string) => (/[\\\t\n]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n') : s);
const unesc = (s: string) => s.replace(/\\(.)/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c));

/** A task line (T): `changes` are the escaped environment changes EnvDelta.encode gave for its spec. */
export function taskLine(id: string, spec: ProcessSpec, changes: string[]): string {
  return ['T', id, esc(spec.cwd), esc(spec.logFile), esc(spec.preamble ?? ''), esc(spec.command), ...changes].join('\t') + '\n';
}

/** A line from a server: a task started (S), ended (E; signal 0 when it exited) or never started (F). */
export type ServerMessage =
  | { kind: 'S'; id: string; pid: number }
  | { kind: 'E'; id: string; code: number; signal: number; groupGone: boolean; usage?: ResourceUsage }
  | { kind: 'F'; id: string; message: string };

export function parseMessage(line: string): ServerMessage | undefined {
  const [kind, id, a, b, c, user, sys, rss] = line.split('\t');
  if (id === undefined) return undefined;
  if (kind === 'S') return { kind, id, pid: Number(a) };
  if (kind === 'E') {
    const e = { kind, id, code: Number(a), signal: Number(b), groupGone: c === '1' } as const;
    if (user === undefined || sys === undefined || !(Number(user) >= 0) || !(Number(sys) >= 0)) return e;
    const kib = Number(rss);
    const peakMemoryBytes = kib >= 0 ? kib * 1024 : null;
    return { ...e, usage: { userMs: Number(user) / 1000, systemMs: Number(sys) / 1000, peakMemoryBytes, source: peakMemoryBytes === null ? 'times' : 'rusage' } };
  }
  if (kind === 'F') return { kind, id, message: unesc(a ?? 'fork failed') };
  return undefined;
}

/** Environments of successive tasks differ in a few variables: only those are sent, against a shared base. */
export class EnvDelta {
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
