// The documented rules of the artifact actions, as one checker for generated workflows, and a model of where the
// files go (upload on one runner, download on another) for the report job's end-to-end test.
//
// The generator pins the floating major tags actions/upload-artifact@v4 and actions/download-artifact@v4, so every
// run gets the newest v4.x release; the rules below are those of v4.4.0 and later. Sources:
// - upload-artifact README (v4), "Inputs": `if-no-files-found` is warn | error | ignore (default warn);
//   `include-hidden-files` default false; `overwrite` default false ("the action will fail if an artifact for the
//   given name already exists").
// - upload-artifact README, "Uploading Hidden Files" and the v4.4.0 release notes ("We will no longer include
//   hidden files and folders by default"): "Hidden files are defined as any file beginning with `.` or files within
//   folders beginning with `.`." They are left out unless `include-hidden-files: true`. (@actions/glob in fact only
//   tests the names it walks, so a literal file path under a dot-folder still goes up today; the checker holds the
//   workflow to the documented definition, not to that detail.)
// - upload-artifact README, "(Not) Uploading to the same artifact": names are unique in a workflow run ("it is no
//   longer possible to upload to the same named Artifact multiple times"); in a matrix, name the artifact with a
//   matrix value. @actions/artifact (validateArtifactName) refuses " : < > | * ? \r \n \ / in a name.
// - upload-artifact README, "Upload using Multiple Paths and Exclusions" and src/shared/search.ts: several paths →
//   the least common ancestor of the search paths is the artifact's root; one literal file → its folder.
// - download-artifact v4 action.yml and src/download-artifact.ts: `name` → that one artifact, extracted into `path`
//   (`pattern` is "Ignored if name is specified", and so is `merge-multiple`); otherwise every artifact (filtered
//   by `pattern`, a minimatch glob on the names) is extracted into `path/<artifact name>/`, or into `path` itself
//   with `merge-multiple: true`. `path` defaults to $GITHUB_WORKSPACE, relative paths are resolved against it.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
export interface Job {
  needs?: string[] | string;
  strategy?: { matrix?: unknown };
  steps?: Step[];
}
export interface Workflow {
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

export interface ArtifactContext {
  /** The matrix entries of each job that has a strategy.matrix (as the leader's outputs give them). */
  matrices: Record<string, Record<string, unknown>[]>;
  /** Values of `github.*` in expressions (run_id, run_attempt…). */
  github: Record<string, string>;
}

const UPLOAD = 'actions/upload-artifact';
const DOWNLOAD = 'actions/download-artifact';
const UPLOAD_INPUTS = ['name', 'path', 'if-no-files-found', 'retention-days', 'compression-level', 'overwrite', 'include-hidden-files'];
const DOWNLOAD_INPUTS = ['name', 'artifact-ids', 'path', 'pattern', 'merge-multiple', 'github-token', 'repository', 'run-id'];
const IF_NO_FILES_FOUND = ['warn', 'error', 'ignore'];
const BAD_NAME_CHARS = ['"', ':', '<', '>', '|', '*', '?', '\r', '\n', '\\', '/'];
/** core.getBooleanInput's accepted spellings. */
const TRUE = ['true', 'True', 'TRUE'];
const FALSE = ['false', 'False', 'FALSE'];

/** One run of a job: the job id and, for a matrix job, one entry. */
export interface JobInstance {
  job: string;
  matrix: Record<string, unknown> | undefined;
  label: string;
}

export interface ArtifactStepRef {
  instance: JobInstance;
  index: number;
  step: Step;
  /** The step's inputs with their expressions evaluated for this instance (strings, as the runner passes them). */
  with: Record<string, string>;
}

function needsOf(job: Job): string[] {
  return job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
}

/** Every job this one waits for, directly or not. */
function upstream(wf: Workflow, job: string, seen = new Set<string>()): Set<string> {
  for (const n of needsOf(wf.jobs[job] ?? {})) {
    if (!seen.has(n)) {
      seen.add(n);
      upstream(wf, n, seen);
    }
  }
  return seen;
}

/** `${{ matrix.X }}`, `${{ env.X }}` and `${{ github.X }}`, nothing else (an unknown expression is a problem). */
export function evaluate(text: string, wf: Workflow, ctx: ArtifactContext, matrix: Record<string, unknown> | undefined, problems: string[], where: string): string {
  return text.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (whole, expr: string) => {
    const m = /^(matrix|env|github)\.([A-Za-z_][A-Za-z0-9_-]*)$/.exec(expr);
    const value = !m ? undefined : m[1] === 'matrix' ? matrix?.[m[2]!] : m[1] === 'env' ? wf.env?.[m[2]!] : ctx.github[m[2]!];
    if (value === undefined) {
      problems.push(`${where}: cannot evaluate ${whole}`);
      return whole;
    }
    return m![1] === 'env' ? evaluate(String(value), wf, ctx, matrix, problems, where) : String(value);
  });
}

export function jobInstances(wf: Workflow, ctx: ArtifactContext, problems: string[] = []): JobInstance[] {
  return Object.entries(wf.jobs).flatMap(([job, j]): JobInstance[] => {
    if (j.strategy?.matrix === undefined) return [{ job, matrix: undefined, label: job }];
    const entries = ctx.matrices[job];
    if (!entries) {
      problems.push(`${job}: has a matrix but the context gives no entries for it`);
      return [];
    }
    return entries.map((e, i) => ({ job, matrix: e, label: `${job}[${String(e['id'] ?? i)}]` }));
  });
}

export function artifactSteps(wf: Workflow, ctx: ArtifactContext, problems: string[] = []): { uploads: ArtifactStepRef[]; downloads: ArtifactStepRef[] } {
  const uploads: ArtifactStepRef[] = [];
  const downloads: ArtifactStepRef[] = [];
  for (const instance of jobInstances(wf, ctx, problems)) {
    (wf.jobs[instance.job]!.steps ?? []).forEach((step, index) => {
      const [action, version] = (step.uses ?? '').split('@');
      if (action !== UPLOAD && action !== DOWNLOAD) return;
      const where = `${instance.label} step ${index + 1} (${step.name ?? step.uses})`;
      if (version !== 'v4') problems.push(`${where}: these rules are for ${action}@v4, not @${version}`);
      const allowed = action === UPLOAD ? UPLOAD_INPUTS : DOWNLOAD_INPUTS;
      for (const k of Object.keys(step.with ?? {})) if (!allowed.includes(k)) problems.push(`${where}: ${action} has no input "${k}"`);
      const evaluated = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, evaluate(String(v), wf, ctx, instance.matrix, problems, where)]));
      (action === UPLOAD ? uploads : downloads).push({ instance, index, step, with: evaluated });
    });
  }
  return { uploads, downloads };
}

function where(ref: ArtifactStepRef): string {
  return `${ref.instance.label} step ${ref.index + 1} (${ref.step.name ?? ref.step.uses})`;
}

function isTrue(v: string | undefined): boolean {
  return v !== undefined && TRUE.includes(v);
}

/** The non-empty, non-exclusion lines of a `path` input. */
function pathLines(v: string | undefined): string[] {
  return (v ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('!'));
}

/** A segment naming a dot-file or dot-folder ("." and ".." are not names). */
export function hiddenSegment(p: string): string | undefined {
  return p.split(/[\\/]+/).find((s) => s.startsWith('.') && s !== '.' && s !== '..');
}

/** Names with `*` and `?` only (what minimatch does with them on a name without slashes). */
function patternMatches(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^$()|{}[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(name);
}

/** What the artifact actions' documented rules say is wrong with a workflow's upload and download steps. */
export function artifactProblems(wf: Workflow, ctx: ArtifactContext): string[] {
  const problems: string[] = [];
  const { uploads, downloads } = artifactSteps(wf, ctx, problems);
  const byName = new Map<string, ArtifactStepRef[]>();
  for (const u of uploads) {
    const w = u.with;
    const at = where(u);
    if (!pathLines(w['path']).length) problems.push(`${at}: no path`);
    if (w['if-no-files-found'] !== undefined && !IF_NO_FILES_FOUND.includes(w['if-no-files-found'])) problems.push(`${at}: if-no-files-found is warn, error or ignore, not "${w['if-no-files-found']}"`);
    for (const k of ['include-hidden-files', 'overwrite']) {
      if (w[k] !== undefined && !TRUE.includes(w[k]!) && !FALSE.includes(w[k]!)) problems.push(`${at}: ${k} is true or false, not "${w[k]}"`);
    }
    for (const line of pathLines(w['path'])) {
      const hidden = hiddenSegment(line);
      if (hidden !== undefined && !isTrue(w['include-hidden-files'])) problems.push(`${at}: path ${line} is in or is a hidden file or folder (${hidden}): needs include-hidden-files: true`);
    }
    const name = w['name'] ?? 'artifact';
    const bad = BAD_NAME_CHARS.filter((c) => name.includes(c));
    if (bad.length) problems.push(`${at}: artifact name "${name}" has ${bad.map((c) => JSON.stringify(c)).join(', ')}`);
    const raw = String(u.step.with?.['name'] ?? '');
    if (u.instance.matrix !== undefined && !/\$\{\{\s*matrix\./.test(raw)) problems.push(`${at}: a matrix job's artifact name must carry a matrix value, "${raw}" does not`);
    byName.set(name, [...(byName.get(name) ?? []), u]);
  }
  for (const [name, refs] of byName) {
    if (refs.length > 1 && !refs.slice(1).every((r) => isTrue(r.with['overwrite']))) problems.push(`artifact "${name}" is uploaded ${refs.length} times in one run: ${refs.map(where).join('; ')}`);
  }
  for (const d of downloads) {
    const w = d.with;
    const at = where(d);
    if (w['name'] !== undefined && w['pattern'] !== undefined) problems.push(`${at}: pattern is ignored when name is given`);
    if (w['name'] !== undefined && w['merge-multiple'] !== undefined) problems.push(`${at}: merge-multiple does nothing with name (one artifact, always extracted into path)`);
    if (w['merge-multiple'] !== undefined && !TRUE.includes(w['merge-multiple']) && !FALSE.includes(w['merge-multiple'])) problems.push(`${at}: merge-multiple is true or false, not "${w['merge-multiple']}"`);
    if (w['pattern'] !== undefined && /[[\]{}!]/.test(w['pattern'])) problems.push(`${at}: pattern "${w['pattern']}" uses glob syntax this checker does not model`);
    const before = upstream(wf, d.instance.job);
    const available = uploads.filter((u) => before.has(u.instance.job));
    if (w['name'] !== undefined) {
      if (!available.some((u) => (u.with['name'] ?? 'artifact') === w['name'])) problems.push(`${at}: no job it needs uploads "${w['name']}"`);
    } else if (w['pattern'] !== undefined) {
      const matched = available.filter((u) => patternMatches(w['pattern']!, u.with['name'] ?? 'artifact'));
      if (!matched.length) problems.push(`${at}: pattern "${w['pattern']}" matches no artifact of the jobs it needs`);
      // Merged artifacts share one folder: they must be the same kind (one name template), told apart by file name.
      const kinds = new Set(matched.map((u) => String(u.step.with?.['name'] ?? 'artifact')));
      if (kinds.size > 1 && isTrue(w['merge-multiple'])) problems.push(`${at}: pattern "${w['pattern']}" merges different artifacts (${[...kinds].join(', ')}) into one folder`);
    }
  }
  return problems;
}

function filesUnder(p: string): string[] {
  if (!existsSync(p)) return [];
  if (!statSync(p).isDirectory()) return [p];
  return readdirSync(p).flatMap((n) => filesUnder(path.join(p, n)));
}

function lca(paths: string[]): string {
  const split = paths.map((p) => path.normalize(p).split(path.sep));
  const common: string[] = [];
  for (let i = 0; i < Math.min(...split.map((s) => s.length)); i++) {
    if (split.some((s) => s[i] !== split[0]![i])) break;
    common.push(split[0]![i]!);
  }
  return common.join(path.sep) || path.sep;
}

/**
 * The files an upload step puts in its artifact, taken from `workspace` by the documented rules (literal paths
 * only: the generator writes no wildcard): artifact-relative path → content.
 */
export function uploadArtifact(ref: ArtifactStepRef, workspace: string): { name: string; files: Map<string, Buffer> } | { name: string; error: string } {
  const w = ref.with;
  const name = w['name'] ?? 'artifact';
  const searchPaths = pathLines(w['path']).map((l) => path.resolve(workspace, l));
  if (pathLines(w['path']).some((l) => /[*?[]/.test(l))) return { name, error: 'wildcards are not modelled' };
  const hiddenOk = isTrue(w['include-hidden-files']);
  const found = searchPaths.flatMap(filesUnder).filter((f) => hiddenOk || hiddenSegment(path.relative(workspace, f)) === undefined);
  if (!found.length) {
    const mode = w['if-no-files-found'] ?? 'warn';
    return mode === 'error' ? { name, error: `no files found at ${pathLines(w['path']).join(', ')}` } : { name, files: new Map() };
  }
  const root = searchPaths.length > 1 ? lca(searchPaths) : found.length === 1 && found[0] === searchPaths[0] ? path.dirname(found[0]!) : searchPaths[0]!;
  return { name, files: new Map(found.map((f) => [path.relative(root, f), readFileSync(f)])) };
}

/** Extracts the artifacts a download step takes into `workspace`, by the documented rules; the names it took. */
export function downloadArtifacts(ref: ArtifactStepRef, artifacts: Map<string, Map<string, Buffer>>, workspace: string): string[] {
  const w = ref.with;
  const dest = path.resolve(workspace, w['path'] ?? '.');
  const names = w['name'] !== undefined ? [w['name']] : [...artifacts.keys()].filter((n) => w['pattern'] === undefined || patternMatches(w['pattern'], n));
  const written = new Map<string, string>();
  for (const n of names) {
    const files = artifacts.get(n);
    if (!files) throw new Error(`${where(ref)}: Artifact '${n}' not found`);
    const into = w['name'] !== undefined || isTrue(w['merge-multiple']) ? dest : path.join(dest, n);
    for (const [rel, content] of files) {
      const file = path.join(into, rel);
      if (written.has(file)) throw new Error(`${where(ref)}: ${path.relative(workspace, file)} of "${n}" overwrites the one of "${written.get(file)}"`);
      written.set(file, n);
      mkdirSync(path.dirname(path.join(into, rel)), { recursive: true });
      writeFileSync(path.join(into, rel), content);
    }
  }
  return names;
}
