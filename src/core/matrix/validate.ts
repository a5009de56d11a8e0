// Validation of .github/multi-agent-config.yml into findings with exact source ranges, so the CLI can print
// file:line:col and the editor can underline the very key or value. Pure: text in, findings out (no file access),
// except moduleFindings, which looks at the module folders on disk (through the FileSystem port it is given).
import * as path from 'node:path';
import type { Document, LineCounter, Node as YamlNode } from 'yaml';
import { webhookProblem } from './notifications';
import { KNOWN_KEYS, MatrixConfig, MatrixConfigSchema, PRIORITY_KEY_PATTERN, TASK_ID_PATTERN } from './schema';

import type { Position, Range } from '../textRange';
import { yaml } from '../lazy';
import type { FileSystem } from '../ports';

export type { Position, Range };

export type FindingCode =
  | 'yaml-syntax'
  | 'yaml-warning'
  | 'schema'
  | 'bad-id'
  | 'unknown-key'
  | 'unknown-task'
  | 'duplicate-task'
  | 'unassigned-task'
  | 'unknown-priority'
  | 'depends-on-cycle'
  | 'priority-mismatch'
  | 'scaling'
  | 'module-missing'
  | 'module-symlink'
  | 'missing-image'
  | 'webhook';

export interface MatrixFinding {
  severity: 'error' | 'warning';
  code: FindingCode;
  message: string;
  file: string;
  /** Where in the document: keys and list indexes from the root. */
  path: (string | number)[];
  range: Range;
}

export interface MatrixValidation {
  /** Present only when there is no error finding. */
  config?: MatrixConfig;
  findings: MatrixFinding[];
}

/** `file:line:col: message` with one-based line and column, as compilers print it. */
export function formatFinding(f: MatrixFinding): string {
  return `${f.file}:${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.severity === 'warning' ? 'warning: ' : ''}${f.message}`;
}

export class Locator {
  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  position(offset: number): Position {
    const p = this.lines.linePos(offset);
    return { line: p.line - 1, character: p.col - 1 };
  }

  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(Math.max(start, end)) };
  }

  private nodeRange(node: YamlNode): [number, number] | undefined {
    const r = node.range;
    return r ? [r[0], r[1]] : undefined;
  }

  /**
   * The range to underline for `segments`: the value when it exists and is a scalar; the key when the value is a
   * whole block (a map or list) or missing; else the closest existing ancestor's key.
   */
  at(segments: (string | number)[], prefer: 'value' | 'key' = 'value'): Range {
    const Y = yaml();
    let cur: unknown = this.doc.contents;
    let best: [number, number] | undefined = cur && Y.isNode(cur) ? this.keyish(cur) : undefined;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      const last = i === segments.length - 1;
      if (Y.isMap(cur)) {
        const pair = cur.items.find((p) => (Y.isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
        if (!pair) break;
        const keyRange = Y.isNode(pair.key) ? this.nodeRange(pair.key) : undefined;
        if (keyRange) best = keyRange;
        if (last && prefer === 'key') break;
        cur = pair.value;
        if (last && Y.isScalar(cur)) {
          const r = this.nodeRange(cur);
          if (r && r[1] > r[0]) best = r;
        }
      } else if (Y.isSeq(cur) && typeof seg === 'number') {
        const item = cur.items[seg];
        if (!Y.isNode(item)) break;
        cur = item;
        const r = Y.isScalar(item) ? this.nodeRange(item) : this.keyish(item);
        if (r) best = r;
      } else {
        break;
      }
    }
    const r = best ?? [0, 0];
    return this.range(r[0], r[1]);
  }

  /** A block's own range is many lines; its first line stands for it. */
  private keyish(node: YamlNode): [number, number] | undefined {
    const r = this.nodeRange(node);
    if (!r) return undefined;
    return [r[0], r[0]];
  }
}

function describePath(segments: (string | number)[]): string {
  return segments.length ? segments.map(String).join('.') : '(root)';
}

export function validateMatrixConfig(text: string, file: string): MatrixValidation {
  const Y = yaml();
  const lines = new Y.LineCounter();
  const doc = Y.parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const loc = new Locator(doc, lines);
  const findings: MatrixFinding[] = [];
  const add = (severity: MatrixFinding['severity'], code: FindingCode, segments: (string | number)[], message: string, range?: Range) =>
    findings.push({ severity, code, message, file, path: segments, range: range ?? loc.at(segments, code === 'unknown-key' || code === 'bad-id' ? 'key' : 'value') });

  for (const e of doc.errors) add('error', 'yaml-syntax', [], `YAML: ${e.message.split('\n')[0]}`, loc.range(e.pos[0], e.pos[1]));
  for (const w of doc.warnings) add('warning', 'yaml-warning', [], `YAML: ${w.message.split('\n')[0]}`, loc.range(w.pos[0], w.pos[1]));
  if (doc.errors.length) return { findings };

  const raw: unknown = doc.toJS({ maxAliasCount: 1000 });
  if (raw === null || raw === undefined || typeof raw !== 'object' || Array.isArray(raw)) {
    add('error', 'schema', [], 'the file must be a mapping with at least "tasks" and "priorities"');
    return { findings };
  }
  unknownKeys(raw as Record<string, unknown>, add);

  const parsed = MatrixConfigSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const segments = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
      const missing = valueAt(raw, segments) === undefined;
      const message = missing
        ? `${describePath(segments)} is required`
        : `${describePath(segments)}: ${issue.message.replace(/^Invalid input: /, '')}`;
      add('error', 'schema', segments, message, missing ? loc.at(segments.slice(0, -1), 'key') : undefined);
    }
    return { findings };
  }
  const config = parsed.data;
  semantic(config, add);
  return findings.some((f) => f.severity === 'error') ? { findings } : { config, findings };
}

type Add = (severity: MatrixFinding['severity'], code: FindingCode, segments: (string | number)[], message: string, range?: Range) => void;

function valueAt(root: unknown, segments: (string | number)[]): unknown {
  let cur = root;
  for (const s of segments) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[String(s)];
  }
  return cur;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function unknownKeys(raw: Record<string, unknown>, add: Add): void {
  const check = (obj: unknown, known: readonly string[], at: (string | number)[]) => {
    if (!isRecord(obj)) return;
    for (const k of Object.keys(obj)) {
      if (!known.includes(k)) add('warning', 'unknown-key', [...at, k], `unknown key "${k}" in ${describePath(at)} (ignored); expected one of ${known.join(', ')}`);
    }
  };
  check(raw, KNOWN_KEYS.root, []);
  if (isRecord(raw['tasks'])) for (const [id, t] of Object.entries(raw['tasks'])) check(t, KNOWN_KEYS.task, ['tasks', id]);
  if (isRecord(raw['priorities'])) for (const [id, p] of Object.entries(raw['priorities'])) check(p, KNOWN_KEYS.priority, ['priorities', id]);
  const scaling = raw['scaling'];
  check(scaling, KNOWN_KEYS.scaling, ['scaling']);
  if (isRecord(scaling)) check(scaling['auto_scale'], KNOWN_KEYS.autoScale, ['scaling', 'auto_scale']);
  const opt = raw['optimization'];
  check(opt, KNOWN_KEYS.optimization, ['optimization']);
  if (isRecord(opt)) check(opt['caching'], KNOWN_KEYS.caching, ['optimization', 'caching']);
  const fh = raw['failure_handling'];
  check(fh, KNOWN_KEYS.failure, ['failure_handling']);
  if (isRecord(fh)) check(fh['retry'], KNOWN_KEYS.retry, ['failure_handling', 'retry']);
  check(raw['docker'], KNOWN_KEYS.docker, ['docker']);
  check(raw['notifications'], KNOWN_KEYS.notifications, ['notifications']);
}

/** `priority_2`, `2` → "priority_2"; anything else unchanged (reported as unknown). */
export function priorityName(ref: string | number): string {
  return typeof ref === 'number' ? `priority_${ref}` : ref;
}

export function priorityNumber(name: string): number {
  const m = PRIORITY_KEY_PATTERN.exec(name);
  return m ? Number(m[1]) : Number.NaN;
}

export function dependsOnList(p: { depends_on?: string | number | (string | number)[] | undefined }): (string | number)[] {
  const d = p.depends_on;
  return d === undefined ? [] : Array.isArray(d) ? d : [d];
}

function semantic(config: MatrixConfig, add: Add): void {
  for (const id of Object.keys(config.tasks)) {
    if (!TASK_ID_PATTERN.test(id)) add('error', 'bad-id', ['tasks', id], `task id "${id}" must be letters, digits, - and _ (no dots or spaces, at most 64)`, undefined);
  }
  const priorityNames = Object.keys(config.priorities);
  for (const name of priorityNames) {
    if (!PRIORITY_KEY_PATTERN.test(name)) add('error', 'bad-id', ['priorities', name], `priority "${name}" must be named priority_N (N a whole number from 1)`);
  }
  const listedIn = new Map<string, string>();
  for (const [name, p] of Object.entries(config.priorities)) {
    p.tasks.forEach((id, i) => {
      const at = ['priorities', name, 'tasks', i];
      if (!(id in config.tasks)) {
        add('error', 'unknown-task', at, `unknown task "${id}" in ${name}; the tasks section has ${Object.keys(config.tasks).join(', ') || 'none'}`);
        return;
      }
      const prev = listedIn.get(id);
      if (prev !== undefined) {
        add('error', 'duplicate-task', at, prev === name ? `task "${id}" is listed twice in ${name}` : `task "${id}" is already in ${prev}; a task belongs to one priority`);
        return;
      }
      listedIn.set(id, name);
      const declared = config.tasks[id]!.priority;
      const n = priorityNumber(name);
      if (declared !== undefined && Number.isFinite(n) && declared !== n) {
        add('warning', 'priority-mismatch', ['tasks', id, 'priority'], `task "${id}" says priority ${declared} but is listed in ${name}; the priorities section decides`);
      }
    });
    dependsOnList(p).forEach((ref, i) => {
      const target = priorityName(ref);
      const at = Array.isArray(p.depends_on) ? ['priorities', name, 'depends_on', i] : ['priorities', name, 'depends_on'];
      if (!(target in config.priorities)) add('error', 'unknown-priority', at, `${name} depends on unknown priority "${ref}"; defined: ${priorityNames.join(', ')}`);
    });
  }
  for (const id of Object.keys(config.tasks)) {
    if (!listedIn.has(id)) add('error', 'unassigned-task', ['tasks', id], `task "${id}" is in no priority: add it to the tasks list of one priority_N`, undefined);
  }
  for (const cycle of findCycles(config)) {
    const [from, to] = [cycle[0]!, cycle[1]!];
    const p = config.priorities[from]!;
    const list = dependsOnList(p);
    const i = list.findIndex((r) => priorityName(r) === to);
    const at = Array.isArray(p.depends_on) ? ['priorities', from, 'depends_on', i] : ['priorities', from, 'depends_on'];
    add('error', 'depends-on-cycle', at, `depends_on cycle: ${cycle.join(' → ')}`);
  }
  const auto = config.scaling?.auto_scale;
  if (auto?.min_agents !== undefined && auto.max_agents !== undefined && auto.min_agents > auto.max_agents) {
    add('error', 'scaling', ['scaling', 'auto_scale', 'min_agents'], `auto_scale.min_agents (${auto.min_agents}) is above max_agents (${auto.max_agents})`);
  }
  config.notifications?.webhooks.forEach((url, i) => {
    const problem = webhookProblem(url);
    if (problem) add('error', 'webhook', ['notifications', 'webhooks', i], `notifications.webhooks.${i}: ${problem}`);
  });
}

/** Each depends_on cycle once, as a closed walk [a, b, …, a], starting from its lowest-numbered priority. */
export function findCycles(config: MatrixConfig): string[][] {
  const names = Object.keys(config.priorities).sort((a, b) => priorityNumber(a) - priorityNumber(b) || a.localeCompare(b));
  const edges = (n: string) => dependsOnList(config.priorities[n]!).map(priorityName).filter((t) => t in config.priorities);
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const visit = (n: string) => {
    state.set(n, 'open');
    stack.push(n);
    for (const t of edges(n)) {
      if (state.get(t) === 'open') {
        const cyc = stack.slice(stack.indexOf(t));
        // Rotate to start at its smallest member so the same cycle found twice is reported once.
        const start = cyc.indexOf([...cyc].sort((a, b) => names.indexOf(a) - names.indexOf(b))[0]!);
        const rotated = [...cyc.slice(start), ...cyc.slice(0, start)];
        const key = rotated.join('>');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...rotated, rotated[0]!]);
        }
      } else if (!state.has(t)) {
        visit(t);
      }
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of names) if (!state.has(n)) visit(n);
  return cycles;
}

/** Ranges in `text` for findings made after validation (module folders, images). */
export function locatorFor(text: string): Locator {
  const Y = yaml();
  const lines = new Y.LineCounter();
  return new Locator(Y.parseDocument(text, { lineCounter: lines, prettyErrors: false }), lines);
}

/**
 * Findings for module folders that do not exist under `root`, or whose real path (symlinks followed) leaves it:
 * checked before anything runs. With `noSymlinks` (docker isolation) a symlink anywhere in the module's path is an
 * error too: the engine follows it on the host when it bind-mounts the folder.
 */
export function moduleFindings(fs: FileSystem, text: string, file: string, config: MatrixConfig, root: string, opts: { noSymlinks?: boolean } = {}): MatrixFinding[] {
  const loc = locatorFor(text);
  const out: MatrixFinding[] = [];
  for (const [id, t] of Object.entries(config.tasks)) {
    const dir = moduleDir(root, t.module);
    const checked = dir === undefined ? undefined : checkModuleFolder(fs, root, dir, opts);
    if (checked?.ok) continue;
    const segments = ['tasks', id, 'module'];
    out.push({
      severity: 'error',
      code: checked?.problem === 'symlink' ? 'module-symlink' : 'module-missing',
      message:
        checked === undefined
          ? `module "${t.module}" of task "${id}" must be a folder inside the repository, not in ${PROTECTED_FOLDERS.join(', ')}`
          : checked.problem === 'missing'
            ? `module folder "${t.module}" of task "${id}" does not exist`
            : checked.problem === 'protected'
              ? `module "${t.module}" of task "${id}" leads into ${PROTECTED_FOLDERS.join(', ')} through a symlink (${checked.at})`
              : checked.problem === 'symlink'
              ? `module "${t.module}" of task "${id}" goes through a symlink (${checked.at}), which --isolation docker refuses: name the real folder`
              : `module "${t.module}" of task "${id}" leads outside the repository through a symlink (${checked.at})`,
      file,
      path: segments,
      range: loc.at(segments),
    });
  }
  return out;
}

/**
 * Top-level folders no task may use as its module: git's (hooks and config act on the host), the editor's (tasks
 * and settings run on the host) and the federation's own state.
 */
export const PROTECTED_FOLDERS = ['.git', '.vscode', '.federation'] as const;

/** Absolute folder of a module, or undefined when it points outside the repository or into a protected folder. */
export function moduleDir(root: string, module: string): string | undefined {
  if (module === '.' || module === 'root') return root;
  const norm = module.replace(/\\/g, '/');
  if (path.posix.isAbsolute(norm) || /^[A-Za-z]:/.test(norm) || norm.split('/').includes('..')) return undefined;
  const first = norm.split('/').find((s) => s !== '' && s !== '.');
  // Case-insensitive: on such file systems .GIT is .git.
  if (first !== undefined && (PROTECTED_FOLDERS as readonly string[]).includes(first.toLowerCase())) return undefined;
  return path.join(root, norm);
}

/** True when `child` is `parent` or below it (both absolute). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

export type ModuleFolderCheck =
  | { ok: true; realRoot: string; realDir: string }
  | { ok: false; problem: 'missing' | 'outside' | 'protected' | 'symlink'; at: string };

/**
 * A module folder as the file system sees it, not as text: it must exist, its real path must be inside the
 * repository's real path, and with `noSymlinks` no component below the root may be a symlink (the root itself may
 * be reached through one). `at` names the offending path, relative to the root where possible.
 */
export function checkModuleFolder(fs: FileSystem, root: string, dir: string, opts: { noSymlinks?: boolean } = {}): ModuleFolderCheck {
  let realRoot: string;
  let realDir: string;
  try {
    realRoot = fs.sync.realpathSync(root);
    realDir = fs.sync.realpathSync(dir);
    if (!fs.sync.statSync(realDir).isDirectory()) return { ok: false, problem: 'missing', at: dir };
  } catch {
    return { ok: false, problem: 'missing', at: dir };
  }
  const absRoot = path.resolve(root);
  const rel = path.relative(absRoot, path.resolve(dir));
  if (opts.noSymlinks) {
    if (!isInside(absRoot, path.resolve(dir))) return { ok: false, problem: 'outside', at: dir };
    let cur = absRoot;
    for (const part of rel.split(path.sep).filter((p) => p !== '')) {
      cur = path.join(cur, part);
      try {
        if (fs.sync.lstatSync(cur).isSymbolicLink()) return { ok: false, problem: 'symlink', at: path.relative(absRoot, cur) };
      } catch {
        return { ok: false, problem: 'missing', at: dir };
      }
    }
  }
  if (!isInside(realRoot, realDir)) return { ok: false, problem: 'outside', at: rel || dir };
  const first = path.relative(realRoot, realDir).split(path.sep)[0]!.toLowerCase();
  if ((PROTECTED_FOLDERS as readonly string[]).includes(first)) return { ok: false, problem: 'protected', at: rel || dir };
  return { ok: true, realRoot, realDir };
}
